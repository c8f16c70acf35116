// Builds dist/: the bin, dist/ecs-anywhere-agent.mjs, and the chunks it loads, dist/chunks/ (scripts/bundle.mjs).
//
// `node scripts/build.mjs [--outdir DIR] [--metafile FILE]`: tests build a copy elsewhere and read which
// sources each output file holds from esbuild's metafile.
import { rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildBundle } from "./bundle.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { outdir: { type: "string" }, metafile: { type: "string" } } });
const outdir = resolve(values.outdir ?? resolve(root, "dist"));

await rm(outdir, { recursive: true, force: true });
const metafile = await buildBundle({
  root,
  main: resolve(root, "src/bin.ts"),
  entry: "ecs-anywhere-agent",
  outdir,
});
if (values.metafile) await writeFile(values.metafile, JSON.stringify(metafile));
