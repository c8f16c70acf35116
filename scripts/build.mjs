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
import { BUNDLE_OPTIONS } from "./bundle-options.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" }, metafile: { type: "string" } } });
const outdir = resolve(values.outdir ?? resolve(root, "dist"));

await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { "ecs-anywhere-agent": resolve(root, "scripts/bundle-entry.ts") },
  outdir,
  ...BUNDLE_OPTIONS,
  metafile: true,
});
const entry = resolve(outdir, "ecs-anywhere-agent.mjs");
await chmod(entry, 0o755);
if (values.metafile) await writeFile(values.metafile, JSON.stringify(result.metafile));
