import type { Clock } from "../util/clock.ts";
import { ProbeTimeout, withTimeout } from "./probe-timeout.ts";
import { type Probe, type ProbeContext, type ProbeVerdict, probeCrashed } from "./probes/probe.ts";
import type { CheckResult } from "./status.ts";

/**
 * One probe's check, as the report holds it: its verdict within `health.probeTimeout` (no answer in time and the
 * probe's own exception are failures), every word of it through the redactor, timed from `startedAt`.
 */
export async function checkProbe(
  probe: Probe,
  ctx: ProbeContext,
  run: { clock: Clock; startedAt: number; signal: AbortSignal },
): Promise<CheckResult> {
  const timeoutMs = ctx.config.health.probeTimeout * 1000;
  const verdict = await withTimeout((inner) => probe.run(ctx, inner), timeoutMs, run.signal).catch(
    (error: unknown): ProbeVerdict =>
      error instanceof ProbeTimeout
        ? {
            status: "failed",
            message: `no answer within ${timeoutMs} ms`,
            remediation: "see the component's log",
          }
        : probeCrashed(error),
  );
  const finished = run.clock.now();
  return {
    name: probe.name,
    status: verdict.status,
    critical: probe.critical,
    message: ctx.host.redactor.scrub(verdict.message),
    ...(verdict.remediation === undefined
      ? {}
      : { remediation: ctx.host.redactor.scrub(verdict.remediation) }),
    observedAt: finished.toISOString(),
    durationMs: Math.max(0, finished.getTime() - run.startedAt),
  };
}
