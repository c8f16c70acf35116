import { OperationError } from "../../errors.ts";
import type { PhaseReport } from "./report.ts";
import type { Mode, RegisterDeps } from "./types.ts";

export async function runPreflight(deps: RegisterDeps, mode: Mode): Promise<PhaseReport> {
  const results = await deps.preflight(mode === "move" ? ["existing-registration"] : []);
  const failed = results.filter((result) => result.status === "fail");
  const details = results
    .filter((result) => result.status === "fail" || result.status === "warn")
    .map(
      (result) =>
        `${result.status}: ${result.name}: ${result.message}${result.remediation ? ` (fix: ${result.remediation})` : ""}`,
    );
  if (failed.length > 0) {
    throw new OperationError(
      `preflight failed: ${failed.map((result) => `${result.name} (${result.message})`).join("; ")}`,
      { remediation: failed[0]?.remediation ?? "run ecs-anywhere-agent check for details" },
    );
  }
  return {
    phase: "preflight",
    status: "done",
    summary: `${results.length} checks passed or warned`,
    details,
  };
}
