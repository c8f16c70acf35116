// Types of scripts/bundle.mjs for the TypeScript that imports it (bench/daemon.ts).
import type { Metafile } from "esbuild";

export function buildBundle(options: {
  root: string;
  main: string;
  entry: string;
  outdir: string;
}): Promise<Metafile>;
