import { arnAccount, DRY_RUN_LINE, renderSteps, renderWhere } from "../../engine/render.ts";
import type { DeregisterReport } from "./deregister.ts";

/**
 * One line per step, with its details and a `fix:` line under each problem. A dry run is a plan: it starts
 * with where it applies (the account of the container instance when known, the region) and says nothing changed.
 */
export function renderDeregisterReport(
  report: DeregisterReport,
  where: { containerInstanceArn?: string | undefined; region?: string | undefined } = {},
): string {
  const lines = renderSteps(report.steps);
  if (report.unfinished) lines.push(report.unfinished.summary, `  fix: ${report.unfinished.remediation}`);
  if (!report.dryRun) return lines.join("\n");
  const place = renderWhere({ account: arnAccount(where.containerInstanceArn), region: where.region });
  return [
    `Plan for ${place || "this host"}: deregister this host.`,
    ...lines.map((line) => `  ${line}`),
    DRY_RUN_LINE,
  ].join("\n");
}
