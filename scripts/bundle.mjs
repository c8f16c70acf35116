// Builds a bundle: an entry (an ES module, the bin) and CommonJS chunks beside it in chunks/, which the entry loads
// with V8's code cache (src/boot/). scripts/build.mjs builds dist/ with it, bench/daemon.ts its daemon soak.
//
// Why chunks: start-up. V8 compiles (at least pre-parses) a whole file before it runs any of it, so code a command
// never runs still costs time. The dynamic import()s in the sources (command modules, the AWS SDK) split the code
// into chunks loaded only when a command runs: --help and --version load only the CLI parser and what it imports
// statically.
//
// Why CommonJS: V8's code cache is given to a script as it is compiled (vm.Script's cachedData), which Node 20
// offers for scripts only, not for ES modules. esbuild splits ES modules only, so the chunks are built as ES
// modules first and then each is turned into CommonJS on its own: its imports become require() of the same
// chunks, import() a require() when the promise runs. The entry stays an ES module (a copy of dist/ runs without a
// package.json saying "type": "module"). No code is compiled from strings but the chunks' own files.
import { chmod, readFile, writeFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { build, transform } from "esbuild";
import { BUNDLE_OPTIONS, ENTRY_OPTIONS } from "./bundle-options.mjs";

/**
 * Bundles `main` (a source file) as the chunk `chunks/NAME-HASH.cjs` and its chunks into `outdir`, and the entry
 * `outdir/ENTRY.mjs` that runs it. Returns the chunks' metafile (which sources each output file holds).
 * @param {{ root: string, main: string, entry: string, outdir: string }} options
 */
export async function buildBundle({ root, main, entry, outdir }) {
  const chunks = await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: { [entry]: main },
    outdir,
    metafile: true,
  });
  const outputs = Object.keys(chunks.metafile.outputs).map((file) => resolve(root, file));
  await Promise.all(outputs.map(toCommonJs));
  // Each import() target is an entry point of its own too: the main chunk is the one of `main`.
  const mainChunk = outputs.find(
    (file) => chunks.metafile.outputs[relative(root, file)].entryPoint === relative(root, main),
  );
  if (mainChunk === undefined) throw new Error(`esbuild wrote no chunk for ${main}`);
  await build({
    ...ENTRY_OPTIONS,
    absWorkingDir: root,
    entryPoints: { [entry]: resolve(root, "scripts/bundle-entry.ts") },
    outdir,
    outExtension: { ".js": ".mjs" },
    define: { BUNDLE_MAIN: JSON.stringify(relative(outdir, mainChunk)) },
  });
  await chmod(resolve(outdir, `${entry}.mjs`), 0o755);
  return chunks.metafile;
}

/** Rewrites one ES module chunk as CommonJS; any warning (import.meta, top-level await) fails the build. */
async function toCommonJs(file) {
  const result = await transform(await readFile(file, "utf8"), {
    format: "cjs",
    platform: "node",
    target: BUNDLE_OPTIONS.target,
    minify: true,
    legalComments: "none",
    // import() of a chunk becomes Promise.resolve().then(() => require(chunk)): the loader has no ES modules.
    supported: { "dynamic-import": false },
    sourcefile: file,
  });
  if (result.warnings.length > 0) {
    throw new Error(`${file}: ${result.warnings.map((warning) => warning.text).join("; ")}`);
  }
  await writeFile(file, result.code);
}
