// Bundles the CLI with stock esbuild code splitting: dist/ecs-anywhere-agent.mjs (the bin) and dist/chunks/.
//
// Why chunks: start-up. V8 compiles (at least pre-parses) a whole module before it runs any of it, so code that
// --version never runs still costs time. The dynamic import()s in the sources (command modules, the AWS SDK)
// become chunks loaded only when a command runs: --help and --version load only the eager chunks (the CLI
// parser and what it imports statically). The entry, scripts/bundle-entry.ts, turns on Node's compile cache
// before it imports src/bin.ts. No code is compiled from strings.
//
// `node scripts/build.mjs [--outdir DIR] [--metafile FILE]`: tests build a copy elsewhere and read which
// sources each output file holds from esbuild's metafile.
import { chmod, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" }, metafile: { type: "string" } } });
const outdir = resolve(values.outdir ?? resolve(root, "dist"));

/**
 * commander requires node:child_process when it loads, for executable subcommands (this CLI has none); loading
 * it (and node:net, node:stream behind it) is about a tenth of `node -e 0`. Commander gets it on first use.
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "child_process", namespace: "lazy-builtin" }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, () => ({
      contents:
        'let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require("node:child_process"))[key] });',
      loader: "js",
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { "ecs-anywhere-agent": resolve(root, "scripts/bundle-entry.ts") },
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  // .mjs everywhere: a copy of dist/ runs as ESM without a package.json saying "type": "module".
  outExtension: { ".js": ".mjs" },
  // The AWS SDK ships CommonJS as "main" and ESM as "module". A dynamic import() of a CommonJS chunk would
  // only have a default export (esbuild cannot split CommonJS named exports); ESM keeps the named ones.
  mainFields: ["module", "main"],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  plugins: [lazyChildProcessForCommander],
  banner: {
    // Bundled CommonJS packages (commander, pino, execa's cross-spawn) require() Node built-ins, and in ESM
    // output esbuild's require shim needs a real require. Every file gets one (esbuild picks the chunk that
    // holds the shim), from process.getBuiltinModule: an imported built-in would cost an ES module facade.
    js: 'const require=process.getBuiltinModule("node:module").createRequire(import.meta.url);',
  },
});
const entry = resolve(outdir, "ecs-anywhere-agent.mjs");
await chmod(entry, 0o755);
if (values.metafile) await writeFile(values.metafile, JSON.stringify(result.metafile));
