import type { Change } from "../reconcile/types.ts";

export type PhaseStatus = "done" | "planned" | "skipped" | "not-needed" | "failed";

export interface PhaseReport {
  phase: string;
  status: PhaseStatus;
  summary: string;
  details?: string[];
}

export interface RegisterReport {
  dryRun: boolean;
  outcome: "registered" | "already-registered" | "moved" | "planned";
  cluster: string;
  region: string;
  containerInstanceArn?: string;
  managedInstanceId?: string;
  phases: PhaseReport[];
  /** Cloud-side changes (just-in-time setup), as `setup` reports them. */
  changes: Pick<Change, "id" | "action" | "summary" | "reason">[];
}

const MARK: Record<PhaseStatus, string> = {
  done: "ok",
  planned: "plan",
  skipped: "skip",
  "not-needed": "--",
  failed: "FAIL",
};

export function renderRegisterReport(report: RegisterReport): string {
  const lines: string[] = [];
  const headline = {
    registered: `Registered: this host is container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    "already-registered": `Already registered: container instance ${report.containerInstanceArn} in cluster ${report.cluster}; nothing to do.`,
    moved: `Moved: this host is now container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    planned: `Plan for registering this host in cluster ${report.cluster} (${report.region}); dry run: nothing was changed.`,
  }[report.outcome];
  lines.push(headline);
  for (const phase of report.phases) {
    lines.push(`  [${MARK[phase.status].padEnd(4)}] ${phase.phase}: ${phase.summary}`);
    for (const detail of phase.details ?? []) lines.push(`           ${detail}`);
  }
  if (report.managedInstanceId) lines.push(`  managed instance: ${report.managedInstanceId}`);
  return lines.join("\n");
}
