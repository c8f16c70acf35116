import { defineConfig } from "vitest/config";

/**
 * The fast unit tests of the pure modules, for `npm run mutate` (StrykerJS runs them once per mutant):
 * no CLI, emulator or end-to-end test, and not test/config/load.test.ts (file and environment loading), so a
 * mutation run of about 1,900 mutants takes about 19 CPU-minutes (bench/README.md).
 *
 * `isolate: false` runs all test files of one Stryker run in one worker, so execa (imported through
 * src/config/schema.ts) loads once per mutant instead of once per test file. Vitest starts a fresh worker for
 * each run, so a static mutant (one in module-level code) is still evaluated anew with the mutant active.
 */
export default defineConfig({
  test: {
    include: [
      "test/ecsconfig/**/*.test.ts",
      "test/policies/**/*.test.ts",
      "test/config/schema*.test.ts",
      "test/engine/**/*.test.ts",
      "test/flows/register/mode.test.ts",
      "test/flows/register/ecs-config-diff.test.ts",
      "test/flows/register/report.test.ts",
      "test/components/ecs-agent/**/*.test.ts",
      "test/flows/deregister/aws-access.test.ts",
      "test/flows/deregister/drain-wait.test.ts",
      "test/flows/deregister/packages*.test.ts",
      "test/components/install-script/signing-key.test.ts",
      "test/components/install-script/gpg-output.test.ts",
      "test/components/install-script/verify.test.ts",
    ],
    setupFiles: ["test/setup.ts"],
    isolate: false,
  },
});
