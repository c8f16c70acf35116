import { defineConfig } from "vitest/config";

/**
 * The fast unit tests of the pure modules, for `npm run mutate` (StrykerJS runs them once per mutant):
 * no CLI, emulator or end-to-end test, and not test/config/load.test.ts (file and environment loading, with
 * temporary files), so a mutation run stays near ten minutes on two cores.
 */
export default defineConfig({
  test: {
    include: ["test/ecsconfig/**/*.test.ts", "test/policies/**/*.test.ts", "test/config/schema*.test.ts"],
    setupFiles: ["test/setup.ts"],
  },
});
