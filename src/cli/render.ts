import { pending } from "../engine/run.ts";
import type { Change, StepReport } from "../engine/step.ts";

const SYMBOL: Record<Change["action"], string> = { create: "+", update: "~", delete: "-", none: "=" };

export interface PlanDocument {
  dryRun: boolean;
  converged: boolean;
  changes: { id: string; action: Change["action"]; summary: string; reason: string; applied: boolean }[];
}

/** The JSON plan/result: `{"changes":[{"id","action","summary","reason"}]}` plus run facts. */
export function planDocument(reports: StepReport[], dryRun: boolean): PlanDocument {
  const changes = reports.flatMap((report) =>
    report.changes.map(({ id, action, summary, reason }) => ({
      id,
      action,
      summary,
      reason,
      applied: report.applied && action !== "none",
    })),
  );
  return { dryRun, converged: reports.every((report) => pending(report.changes).length === 0), changes };
}

/** A readable plan: one line per change with its reason, grouped by step. */
export function renderPlan(reports: StepReport[], dryRun: boolean): string {
  const lines: string[] = [];
  const total = reports.reduce((sum, report) => sum + pending(report.changes).length, 0);
  for (const report of reports) {
    if (report.changes.length === 0) {
      lines.push(`  ${report.step}: up to date`);
      continue;
    }
    lines.push(`  ${report.step}:`);
    for (const change of report.changes) {
      lines.push(`    ${SYMBOL[change.action]} ${change.summary}`);
      lines.push(`        why: ${change.reason}`);
    }
  }
  const heading =
    total === 0
      ? "Everything is up to date: no changes."
      : dryRun
        ? `Plan: ${total} change(s) (dry run: nothing was changed).`
        : `Applied ${total} change(s).`;
  return [heading, ...lines].join("\n");
}
