// What the health server's endpoints answer: /livez from the event loop's lag, /readyz, /status and /metrics
// from the daemon's last probe pass. server.ts serves them.
import type { LoopLag } from "./loop-lag.ts";
import { type DaemonStatus, failingChecks } from "./status.ts";

/** What the health server reads. Neither call may probe anything: both answer from the last pass. */
export interface HealthSource {
  /** The cached report; never triggers a probe or AWS call. */
  status(): DaemonStatus;
  /** Prometheus exposition text from the daemon's own prom-client registry. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface Route {
  auth: boolean;
  answer(): Reply | Promise<Reply>;
}

const TEXT = "text/plain; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";
export const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  contentType: TEXT,
  body,
  ...(headers === undefined ? {} : { headers }),
});
const json = (status: number, value: unknown): Reply => ({
  status,
  contentType: JSON_TYPE,
  body: `${JSON.stringify(value)}\n`,
});

/** The routes by path: /livez and /readyz open to all, /status and /metrics behind the token when one is set. */
export function healthRoutes(source: HealthSource, loopLag: LoopLag, maxLagMs: number): Map<string, Route> {
  return new Map<string, Route>([
    ["/livez", { auth: false, answer: () => livez(loopLag.lagMs(), maxLagMs) }],
    ["/readyz", { auth: false, answer: () => readyz(source.status()) }],
    ["/status", { auth: true, answer: () => json(200, source.status()) }],
    ["/metrics", { auth: true, answer: async () => ({ status: 200, ...(await source.metrics()) }) }],
  ]);
}

function livez(lagMs: number, maxLagMs: number): Reply {
  if (lagMs < maxLagMs) return text(200, "ok\n");
  return text(503, `event loop lag ${Math.round(lagMs)} ms, limit ${maxLagMs} ms\n`);
}

function readyz(status: DaemonStatus): Reply {
  if (status.ready) return json(200, { ready: true });
  const failing = failingChecks(status).map(({ name, message }) => ({ name, message }));
  return json(503, { ready: false, failing, reason: notReadyReason(status, failing.length) });
}

function notReadyReason(status: DaemonStatus, failing: number): string {
  if (status.passes === 0) return "no probe pass yet";
  if (!status.registered) return "not registered in the cluster";
  if (failing > 0) return `${failing} critical check${failing === 1 ? "" : "s"} failing`;
  return status.summary;
}
