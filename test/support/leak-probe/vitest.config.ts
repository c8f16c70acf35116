import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The probe run of no-leftover-processes.test.ts: only the *.probe.ts files here (the main run never collects
 * them), with the same setup file and pool as the main configuration.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../../..", import.meta.url)),
  test: {
    include: ["test/support/leak-probe/*.probe.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["test/setup.ts"],
  },
});
