import { renderSteps } from "../../engine/render.ts";
import type { DeregisterReport } from "./deregister.ts";

/** One line per step, with its details and a `fix:` line under each problem. */
export function renderDeregisterReport(report: DeregisterReport): string {
  return renderSteps(report.steps).join("\n");
}
