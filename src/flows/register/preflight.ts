import { defineStep, failure, nothing } from "../../engine/step.ts";
import { checkCloudInputs } from "./cloud-inputs.ts";
import type { RegisterRun } from "./run.ts";

/** The `check` command's checks (moving hosts skip existing-registration): any failure stops the run. */
export const preflightStep = defineStep("preflight", {
  observe: async (run: RegisterRun) => {
    await checkCloudInputs(run);
    return run.deps.preflight(run.mode === "move" ? ["existing-registration"] : []);
  },
  plan(results) {
    const failed = results.filter((result) => result.status === "failed");
    const details = results
      .filter((result) => result.status === "failed" || result.status === "warn")
      .map(
        (result) =>
          `${result.status}: ${result.id}: ${result.summary}${result.remediation ? ` (fix: ${result.remediation})` : ""}`,
      );
    if (failed.length > 0) {
      return {
        ...failure(
          `preflight failed: ${failed.map((result) => `${result.id} (${result.summary})`).join("; ")}`,
          failed[0]?.remediation ?? "run ecs-anywhere-agent check for details",
        ),
        details,
      };
    }
    return nothing(`${results.length} checks passed or warned`, details);
  },
});
