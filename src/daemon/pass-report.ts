import type { Config } from "../config/schema.ts";
import type { Logger } from "../util/logger.ts";
import type { PassFacts } from "./probes/probe.ts";
import { type CheckResult, type DaemonStatus, failingChecks, type RepairRecord } from "./status.ts";

/** What one pass reports: its checks, the facts they learned, the repairs kept so far, when it ran. */
export interface PassOutcome {
  config: Config;
  version: string;
  checks: CheckResult[];
  facts: PassFacts;
  repairs: RepairRecord[];
  /** The number of this pass (1 for the first). */
  passes: number;
  started: number;
  finished: Date;
}

/** The cached report of a pass: ready when registered and no critical check failed. */
export function passReport(pass: PassOutcome): DaemonStatus {
  const { config, checks, facts, finished } = pass;
  const registered = facts.registered === true;
  const failing = failingChecks({ checks });
  const ready = registered && failing.length === 0;
  const passing = checks.filter((check) => check.status !== "failed").length;
  const summary = ready
    ? `registered in ${config.cluster}, ${passing}/${checks.length} checks passing`
    : `${registered ? "registered" : "not registered"} in ${config.cluster}; failing: ${failing.map((c) => c.name).join(", ") || "none"}`;
  const region = config.region ?? facts.ssmRegion;
  return {
    schema: 1,
    version: pass.version,
    ready,
    registered,
    summary,
    cluster: config.cluster,
    ...(region === undefined ? {} : { region }),
    ...(facts.containerInstanceArn === undefined ? {} : { containerInstanceArn: facts.containerInstanceArn }),
    ...(facts.managedInstanceId === undefined ? {} : { managedInstanceId: facts.managedInstanceId }),
    passes: pass.passes,
    lastPassAt: finished.toISOString(),
    lastPassDurationMs: finished.getTime() - pass.started,
    checks,
    repairs: pass.repairs,
  };
}

/** One log line per change of state, not per pass. */
export function logChanges(log: Logger, previous: DaemonStatus, next: DaemonStatus): void {
  const before = new Map(previous.checks.map((check) => [check.name, check]));
  for (const check of next.checks) {
    const was = before.get(check.name);
    // A status change, not a new wording ("expire in 41 min" changes every minute).
    if (was?.status === check.status) continue;
    if (was === undefined && check.status === "ok") continue;
    const fields = { check: check.name, status: check.status, was: was?.status, message: check.message };
    if (check.status === "failed" || check.status === "warn") log.warn(fields, "check changed");
    else log.info(fields, "check changed");
  }
  if (previous.passes === 0 || previous.ready !== next.ready) {
    const fields = { ready: next.ready, registered: next.registered, summary: next.summary };
    if (next.ready) log.info(fields, "ready");
    else log.warn(fields, "not ready");
  }
}
