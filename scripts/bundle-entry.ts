#!/usr/bin/env node
// The bundle's entry, dist/ecs-anywhere-agent.mjs (see scripts/bundle.mjs): it loads the CLI's chunk, and the
// chunks that one requires, with the bundle's code cache (src/boot/). Keep it tiny: it is compiled on every run.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { boot } from "../src/boot/boot.ts";

/** The CLI's chunk, relative to this file's folder: set by the build. */
declare const BUNDLE_MAIN: string;

boot(dirname(fileURLToPath(import.meta.url)), BUNDLE_MAIN, process.argv.slice(2), process.env);
