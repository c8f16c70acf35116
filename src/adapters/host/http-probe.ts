import http, { type IncomingMessage } from "node:http";
import { monotonicMs } from "../../util/clock.ts";
import { type ProxyRoute, ProxyUnreachableError } from "../aws/proxy-route.ts";

/**
 * Small, read-only HTTP(S) probes. They connect directly, or through the host's HTTP proxy when given one (field
 * notes §10.7: CONNECT tunnels, hosts in its NO_PROXY directly); no redirects, no keep-alive; and they never
 * throw: a network failure comes back as its error code (ECONNREFUSED, ENOTFOUND, ECONNRESET, a TLS code such
 * as UNABLE_TO_VERIFY_LEAF_SIGNATURE), as the proxy that could not be reached (by host and port), or "timeout"
 * once `timeoutMs` has passed.
 */
export type ProbeFailure = { ok: false; error: string };

export type ReachableResult = { ok: true; status: number } | ProbeFailure;

export type DateProbeResult =
  | {
      ok: true;
      /** The server's clock from its Date header (one-second resolution). */
      date: Date;
      /** How long the request took; the Date header was produced somewhere inside this window. */
      rttMs: number;
      status: number;
    }
  | ProbeFailure;

export type JsonResult = { ok: true; status: number; body: unknown } | ProbeFailure;

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Whether anything answers HTTP at `url`. Any status counts: only the connection matters. */
export async function probeReachable(
  url: string,
  timeoutMs: number,
  proxy?: ProxyRoute,
): Promise<ReachableResult> {
  const answer = await request(url, "HEAD", timeoutMs, false, undefined, proxy);
  return answer.ok ? { ok: true, status: answer.status } : answer;
}

/** The Date header of whatever answers at `url` (any status), to compare clocks (field notes §6.5). */
export async function probeDate(
  url: string,
  timeoutMs: number,
  proxy?: ProxyRoute,
): Promise<DateProbeResult> {
  const started = monotonicMs();
  const answer = await request(url, "HEAD", timeoutMs, false, undefined, proxy);
  if (!answer.ok) return answer;
  const rttMs = Math.round(monotonicMs() - started);
  const header = answer.headers.date;
  const date = header === undefined ? undefined : new Date(header);
  if (date === undefined || Number.isNaN(date.getTime())) {
    return { ok: false, error: `no usable Date header (HTTP ${answer.status})` };
  }
  return { ok: true, date, rttMs, status: answer.status };
}

/** GETs `url` and parses the body as JSON; a body that is not JSON is a failure naming the status. */
export async function getJson(url: string, timeoutMs: number, signal?: AbortSignal): Promise<JsonResult> {
  const answer = await request(url, "GET", timeoutMs, true, signal);
  if (!answer.ok) return answer;
  try {
    return { ok: true, status: answer.status, body: JSON.parse(answer.body) };
  } catch {
    return { ok: false, error: `HTTP ${answer.status} without a JSON body` };
  }
}

/**
 * The module and agent for a request to `target`: node:https (TLS and OpenSSL with it) only for an https URL, the
 * tunnelling agents (node:tls with them) only when a proxy is given, without keep-alive; undefined for another
 * scheme.
 */
export async function clientFor(
  target: URL,
  proxy: ProxyRoute | undefined,
): Promise<{ client: typeof http; agent: http.Agent | false } | undefined> {
  const https = target.protocol === "https:";
  if (!https && target.protocol !== "http:") return undefined;
  const client = https ? (process.getBuiltinModule("node:https") as unknown as typeof http) : http;
  if (proxy === undefined) return { client, agent: false };
  const agents = (await import("../aws/proxy-agent.ts")).proxyAgents(proxy, false);
  return { client, agent: https ? agents.httpsAgent : agents.httpAgent };
}

type RawAnswer =
  | { ok: true; status: number; headers: IncomingMessage["headers"]; body: string }
  | ProbeFailure;

async function request(
  url: string,
  method: string,
  timeoutMs: number,
  readBody: boolean,
  signal?: AbortSignal,
  proxy?: ProxyRoute,
): Promise<RawAnswer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, error: "invalid URL" });
  }
  // The ECS agent's introspection API is plain HTTP: no TLS loaded for it.
  const connection = await clientFor(target, proxy);
  if (connection === undefined) return { ok: false, error: `unsupported scheme ${target.protocol}` };
  if (signal?.aborted) return { ok: false, error: "cancelled" };
  const { client, agent } = connection;
  return new Promise((resolve) => {
    let settled = false;
    const cancel = () => finish({ ok: false, error: "cancelled" });
    const finish = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
      req.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ ok: false, error: "timeout" }), timeoutMs);
    signal?.addEventListener("abort", cancel, { once: true });
    const req = client.request(target, { method, agent, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          ok: true,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      if (!readBody) return done();
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) return finish({ ok: false, error: "answer too large" });
        chunks.push(chunk);
      });
      res.on("end", done);
      res.on("error", (error) => finish({ ok: false, error: errorCode(error) }));
    });
    req.on("error", (error) => finish({ ok: false, error: errorCode(error) }));
    req.end();
  });
}

function errorCode(error: unknown): string {
  // The target's code would blame the endpoint for what the proxy did.
  if (error instanceof ProxyUnreachableError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string" && code !== "") return code;
  return error instanceof Error ? error.message : String(error);
}
