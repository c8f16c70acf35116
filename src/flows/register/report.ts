import { arnAccount, DRY_RUN_LINE, type flatChanges, renderSteps, renderWhere } from "../../engine/render.ts";
import type { StepResult } from "../../engine/run.ts";

export interface RegisterReport {
  ok: boolean;
  dryRun: boolean;
  outcome: "registered" | "already-registered" | "moved" | "installed" | "planned";
  cluster: string;
  region: string;
  containerInstanceArn?: string;
  managedInstanceId?: string;
  steps: StepResult[];
  /** Security-relevant warnings (unverified script, a non-default signing key). */
  warnings?: string[];
  /** The just-in-time activation this run created (never its code). */
  createdActivationId?: string;
  /** Whether that activation has been deleted again (after verification, or after a failure). */
  activationDeleted?: boolean;
  /** How long the install script itself ran, when it ran (the rest of the wall time is the agent's). */
  scriptDurationMs?: number;
  /** Every change of every step (the just-in-time cloud side included), flattened with its step. */
  changes: ReturnType<typeof flatChanges>;
}

export function renderRegisterReport(report: RegisterReport): string {
  const headline = {
    registered: `Registered: this host is container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    "already-registered": `Already registered: container instance ${report.containerInstanceArn} in cluster ${report.cluster}; nothing to do.`,
    moved: `Moved: this host is now container instance ${report.containerInstanceArn} in cluster ${report.cluster}.`,
    installed: `Installed, not started (noStart): run \`systemctl start ecs\` to register this host in cluster ${report.cluster}.`,
    planned: `Plan for ${renderWhere({ account: arnAccount(report.containerInstanceArn), region: report.region })}: register this host in cluster ${report.cluster}.`,
  }[report.outcome];
  const lines = [headline, ...renderSteps(report.steps).map((line) => `  ${line}`)];
  if (report.managedInstanceId) lines.push(`  managed instance: ${report.managedInstanceId}`);
  if (report.dryRun) lines.push(DRY_RUN_LINE);
  return lines.join("\n");
}
