// @ts-check
/**
 * `npm run mutate`: mutation testing of the pure modules against their fast unit tests
 * (vitest.mutate.config.ts). Scores per file are printed and written under reports/mutation/.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: [
    "src/ecsconfig/*.ts",
    "src/policies/*.ts",
    "src/config/schema*.ts",
    "src/engine/*.ts",
    "src/flows/register/mode.ts",
    "src/flows/register/report.ts",
    "src/components/ecs-agent/observe.ts",
    "src/components/ecs-agent/config-files.ts",
    "src/flows/deregister/aws-access.ts",
    "src/flows/deregister/drain.ts",
    "src/flows/deregister/packages.ts",
    "src/components/install-script/gpg-output.ts",
    "src/components/install-script/key-expiry.ts",
  ],
  coverageAnalysis: "perTest",
  concurrency: 2,
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  thresholds: { high: 90, low: 80, break: null },
};
