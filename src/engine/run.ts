import type { Logger } from "../util/logger.ts";
import type { Change, Step, StepReport } from "./step.ts";

export interface RunOptions {
  dryRun: boolean;
  log: Logger;
}

/** Changes that would write something (`none` entries only inform). */
export const pending = (changes: Change[]) => changes.filter((change) => change.action !== "none");

/**
 * Runs each step in order: observe -> plan -> (unless dry run) apply every change -> verify.
 * A later step observes the world after the earlier ones applied, so one pass converges.
 */
export async function runSteps(steps: Step<unknown>[], options: RunOptions): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for (const step of steps) {
    const log = options.log.child({ step: step.name });
    log.debug("observing");
    const changes = step.plan(await step.observe());
    const writes = pending(changes);
    log.info({ changes: writes.length }, writes.length === 0 ? "converged" : "planned changes");
    if (options.dryRun || writes.length === 0) {
      reports.push({ step: step.name, changes, applied: false });
      continue;
    }
    for (const change of writes) {
      log.info({ change: change.id, action: change.action, reason: change.reason }, "applying change");
      await change.apply?.();
    }
    await step.verify?.();
    reports.push({ step: step.name, changes, applied: true });
  }
  return reports;
}

/** Re-plans a step and fails when anything is still pending: the shared `verify` of most steps. */
export async function verifyConverged(step: Step<unknown>): Promise<void> {
  const left = pending(step.plan(await step.observe()));
  if (left.length > 0) {
    throw new Error(`${step.name} did not converge: ${left.map((change) => change.summary).join("; ")}`);
  }
}
