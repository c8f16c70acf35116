import { renderSteps } from "../engine/render.ts";
import type { StepResult } from "../engine/run.ts";
import type { Status } from "../engine/step.ts";
import { allPassed } from "./run.ts";

/** The `--output json` document: `{"checks":[{id,status,summary,remediation?,...}],"ok":bool}`. */
export function checkDocument(results: readonly StepResult[]) {
  return { checks: results, ok: allPassed(results) };
}

/** One line per check (`OK root: running as root`), a `  fix:` line under each problem, then a summary. */
export function renderChecks(results: readonly StepResult[]): string {
  const count = (status: Status) => results.filter((result) => result.status === status).length;
  return [
    ...renderSteps(results),
    "",
    `${count("ok")} ok, ${count("warn")} warning(s), ${count("failed")} failed, ${count("skipped")} skipped: ` +
      (allPassed(results)
        ? "this host is ready for ECS Anywhere"
        : "fix the failures above, then re-run check"),
  ].join("\n");
}
