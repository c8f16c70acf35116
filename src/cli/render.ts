import { DRY_RUN_LINE, flatChanges, renderSteps, renderWhere } from "../engine/render.ts";
import type { RunReport } from "../engine/run.ts";
import type { CloudRun } from "../flows/setup.ts";
import type { Context } from "./context.ts";
import { printJson } from "./io.ts";

/** The JSON document of a cloud command: every step, and every change flattened with its step. */
export function cloudDocument(run: CloudRun, dryRun: boolean) {
  const { report } = run;
  return {
    ok: report.ok,
    dryRun,
    account: run.account,
    region: run.region,
    converged: countWrites(report) === 0,
    changes: flatChanges(report.steps),
    steps: report.steps,
  };
}

/**
 * A readable plan: a heading that starts with where it applies and says what happened, one block per step,
 * and on a dry run the line saying nothing was changed.
 */
export function renderCloud(run: CloudRun, dryRun: boolean): string {
  const total = countWrites(run.report);
  const where = renderWhere(run);
  const heading =
    total === 0
      ? `${dryRun ? "Plan for" : "In"} ${where}: everything is up to date, no changes.`
      : dryRun
        ? `Plan for ${where}: ${total} change(s).`
        : `Applied in ${where}: ${total} change(s).`;
  const lines = [heading, ...renderSteps(run.report.steps).map((line) => `  ${line}`)];
  return [...lines, ...(dryRun ? [DRY_RUN_LINE] : [])].join("\n");
}

function countWrites(report: RunReport): number {
  return flatChanges(report.steps).filter((change) => change.action !== "none").length;
}

/** The dry-run plan of a command that makes one change (`activation create`): as JSON, or readable. */
export function printOneChangePlan(ctx: Context, region: string, id: string, summary: string): void {
  if (ctx.output === "json") {
    printJson(ctx.io, { dryRun: true, changes: [{ id, action: "create", summary, reason: "requested" }] });
  } else ctx.io.out([`Plan for ${renderWhere({ region })}:`, `  + ${summary}`, DRY_RUN_LINE].join("\n"));
}
