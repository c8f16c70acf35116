/**
 * The daemon's report: what one probe pass found, cached until the next one. The HTTP endpoints, the
 * `status` command, the metrics and systemd's STATUS= line all read this; none of them ever probes.
 * It never holds a secret (every message went through the redactor before it got here).
 */

export type CheckStatus = "ok" | "warn" | "failed" | "skipped";

/** One probe's latest answer. */
export interface CheckResult {
  /** Stable name, e.g. "ecs-agent", "docker", "clock-skew": a label value in /metrics. */
  name: string;
  status: CheckStatus;
  /** A failed critical check makes the host not ready (/readyz 503). */
  critical: boolean;
  /** One line for a human. */
  message: string;
  /** What to do about a warn or failed check. */
  remediation?: string;
  /** ISO time the probe finished (the clock port's). */
  observedAt: string;
  durationMs: number;
}

export type RepairResult = "ok" | "failed" | "skipped";

/** One repair the daemon attempted (or deliberately did not). */
export interface RepairRecord {
  /** e.g. "rewrite-ecs-config", "restart-ecs", "restart-ssm-agent", "restart-docker" */
  action: string;
  result: RepairResult;
  at: string;
  message: string;
}

export interface DaemonStatus {
  schema: 1;
  version: string;
  /** Registered and every critical check passes. */
  ready: boolean;
  /** The ECS agent reports a container instance in the configured cluster. */
  registered: boolean;
  /** One line, as systemd shows it: "registered in edge, 10/10 checks passing". */
  summary: string;
  cluster: string;
  region?: string;
  containerInstanceArn?: string;
  managedInstanceId?: string;
  /** Probe passes completed since the daemon started. */
  passes: number;
  lastPassAt?: string;
  lastPassDurationMs?: number;
  checks: CheckResult[];
  /** The most recent repairs, newest last (bounded). */
  repairs: RepairRecord[];
}

/** The checks that keep the host from being ready. */
export function failingChecks(status: Pick<DaemonStatus, "checks">): CheckResult[] {
  return status.checks.filter((check) => check.critical && check.status === "failed");
}
