import type { BuildOptions } from "esbuild";

/** The esbuild options of the CLI's bundle (scripts/bundle-options.mjs), without entry points and output folder. */
export declare const BUNDLE_OPTIONS: BuildOptions;
