import type { ActionStatus, DeregisterReport } from "./types.ts";

const MARK: Record<ActionStatus, string> = {
  done: "ok",
  planned: "plan",
  skipped: "skip",
  "not-needed": "--",
  failed: "FAIL",
};

/** One line per action; the remediation rides on the same line. */
export function renderDeregisterReport(report: DeregisterReport): string {
  return report.actions
    .map(
      (action) =>
        `[${MARK[action.status].padEnd(4)}] ${action.name}: ${action.message}` +
        (action.remediation ? ` (fix: ${action.remediation})` : ""),
    )
    .join("\n");
}
