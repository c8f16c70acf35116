import { renderSteps } from "../../engine/render.ts";
import type { DeregisterReport } from "./deregister.ts";

/** One line per step, with its details and a `fix:` line under each problem. */
export function renderDeregisterReport(report: DeregisterReport): string {
  const lines = renderSteps(report.steps);
  if (report.unfinished) lines.push(report.unfinished.summary, `  fix: ${report.unfinished.remediation}`);
  return lines.join("\n");
}
