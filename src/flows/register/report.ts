import type { Change } from "../../engine/step.ts";

export type PhaseStatus = "done" | "planned" | "skipped" | "not-needed" | "failed";

export interface PhaseReport {
  phase: string;
  status: PhaseStatus;
  summary: string;
  details?: string[];
}

export interface RegisterReport {
  dryRun: boolean;
  outcome: "registered" | "already-registered" | "moved" | "installed" | "planned";
  cluster: string;
  region: string;
  containerInstanceArn?: string;
  managedInstanceId?: string;
  phases: PhaseReport[];
  /** Security-relevant warnings (unverified script, a non-default signing key). */
  warnings?: string[];
  /** The just-in-time activation this run created (never its code). */
  createdActivationId?: string;
  /** Whether that activation has been deleted again (after verification, or after a failure). */
  activationDeleted?: boolean;
  /** How long the install script itself ran, when it ran (the rest of the wall time is the agent's). */
  scriptDurationMs?: number;
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

const CHANGE_SYMBOL: Record<Change["action"], string> = { create: "+", update: "~", delete: "-", none: "=" };

export function renderRegisterReport(report: RegisterReport): string {
  const lines: string[] = [];
  const headline = {
    registered: `Registered: this host is container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    "already-registered": `Already registered: container instance ${report.containerInstanceArn} in cluster ${report.cluster}; nothing to do.`,
    moved: `Moved: this host is now container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    installed: `Installed, not started (noStart): run \`systemctl start ecs\` to register this host in cluster ${report.cluster}.`,
    planned: `Plan for registering this host in cluster ${report.cluster} (${report.region}); dry run: nothing was changed.`,
  }[report.outcome];
  lines.push(headline);
  for (const phase of report.phases) {
    lines.push(`  [${MARK[phase.status].padEnd(4)}] ${phase.phase}: ${phase.summary}`);
    for (const detail of phase.details ?? []) lines.push(`           ${detail}`);
    // The just-in-time setup's cloud changes belong to the plan as much as the host's (same lines as `setup`).
    if (phase.phase === "activation") {
      for (const change of report.changes.filter((c) => c.action !== "none")) {
        lines.push(`           ${CHANGE_SYMBOL[change.action]} ${change.summary} (why: ${change.reason})`);
      }
    }
  }
  if (report.managedInstanceId) lines.push(`  managed instance: ${report.managedInstanceId}`);
  return lines.join("\n");
}
