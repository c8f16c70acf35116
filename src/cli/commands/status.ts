import http from "node:http";
import { parseListen } from "../../daemon/listen.ts";
import type { DaemonStatus } from "../../daemon/status.ts";
import { readToken } from "../../daemon/token.ts";
import { renderSteps } from "../../engine/render.ts";
import type { Context } from "../context.ts";
import { daemonHostFlags, textFlag } from "../host-flags.ts";
import { printJson } from "../io.ts";

const ASK_DAEMON_MS = 1_000;

/**
 * `status`: the running daemon's report when it answers on its listen address, else the same probes run once
 * here (read-only: nothing is repaired). Exit 0 when ready, 1 when not.
 */
export default async function status(ctx: Context, raw: Record<string, unknown>): Promise<number> {
  const { host } = daemonHostFlags(raw);
  const listenFlag = textFlag(raw, "listen", "--listen");
  const config = ctx.config();
  const listen = parseListen(
    listenFlag ?? config.health.listen,
    listenFlag ? "--listen" : "health.listen",
    true,
  );

  let report: DaemonStatus | undefined;
  let source = "daemon";
  if (raw.daemon !== false) report = await askDaemon(listen, await readToken(ctx, config), ctx.signal);
  if (report === undefined) {
    source = "probed now";
    // The probes (and what they load) only when no daemon answers.
    const { probeOnce } = await import("./status-probe.ts");
    report = await probeOnce(ctx, host, config);
  }
  if (ctx.output === "json") printJson(ctx.io, { ok: report.ready, source, ...report });
  else ctx.io.out(renderStatus(report, source));
  return report.ready ? 0 : 1;
}

function renderStatus(report: DaemonStatus, source: string): string {
  const steps = report.checks.map((check) => ({
    id: check.name,
    status: check.status,
    summary: check.message,
    ...(check.remediation === undefined ? {} : { remediation: check.remediation }),
    startedAt: check.observedAt,
    durationMs: check.durationMs,
  }));
  const repairs = report.repairs.slice(-5).map((r) => `  ${r.at} ${r.action}: ${r.result} (${r.message})`);
  return [
    ...renderSteps(steps),
    ...(repairs.length > 0 ? ["", "recent repairs:", ...repairs] : []),
    "",
    `${report.ready ? "READY" : "NOT READY"}: ${report.summary} (${source}${report.lastPassAt ? `, ${report.lastPassAt}` : ""})`,
  ].join("\n");
}

/** The daemon's cached report; undefined when nothing (or something else) answers in time. */
function askDaemon(
  listen: { host: string; port: number },
  token: string | undefined,
  signal: AbortSignal,
): Promise<DaemonStatus | undefined> {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: listen.host,
        port: listen.port,
        path: "/status",
        timeout: ASK_DAEMON_MS,
        signal,
        agent: false,
        ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
          if (body.length > 1_000_000) request.destroy();
        });
        response.on("end", () => {
          try {
            const parsed = JSON.parse(body) as DaemonStatus;
            resolve(response.statusCode === 200 && parsed.schema === 1 ? parsed : undefined);
          } catch {
            resolve(undefined);
          }
        });
        response.on("error", () => resolve(undefined));
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}
