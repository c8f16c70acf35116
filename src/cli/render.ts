import { flatChanges, renderSteps } from "../engine/render.ts";
import type { RunReport } from "../engine/run.ts";
import type { CloudRun } from "../flows/setup.ts";

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

/** A readable plan: a heading that says what happened, then one block per step. */
export function renderCloud(run: CloudRun, dryRun: boolean): string {
  const total = countWrites(run.report);
  const where = `account ${run.account}, region ${run.region}`;
  const heading =
    total === 0
      ? `Everything is up to date: no changes (${where}).`
      : dryRun
        ? `Plan: ${total} change(s) in ${where} (dry run: nothing was changed).`
        : `Applied ${total} change(s) in ${where}.`;
  return [heading, ...renderSteps(run.report.steps).map((line) => `  ${line}`)].join("\n");
}

function countWrites(report: RunReport): number {
  return flatChanges(report.steps).filter((change) => change.action !== "none").length;
}
