// A health server on 127.0.0.1 and a free port, with a fake source, and the ways the tests talk to it: whole
// requests, raw bytes on a socket, responses read off a kept-alive connection.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import type { HealthSource } from "../../src/daemon/health-routes.ts";
import { type HealthServer, type HealthServerOptions, startHealthServer } from "../../src/daemon/server.ts";
import type { CheckResult, DaemonStatus } from "../../src/daemon/status.ts";
import { createLogger } from "../../src/util/logger.ts";
import { Redactor } from "../../src/util/redact.ts";

export const PROM = "text/plain; version=0.0.4; charset=utf-8";
export const EXPOSITION =
  "# HELP ecs_anywhere_ready Ready.\n# TYPE ecs_anywhere_ready gauge\necs_anywhere_ready 1\n";

export function check(name: string, status: CheckResult["status"], critical = true): CheckResult {
  return {
    name,
    status,
    critical,
    message: `${name} is ${status}`,
    observedAt: "2026-11-25T12:00:00.000Z",
    durationMs: 3,
  };
}

export function report(overrides: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    schema: 1,
    version: "0.1.0",
    ready: true,
    registered: true,
    summary: "registered in edge, 2/2 checks passing",
    cluster: "edge",
    region: "eu-west-1",
    passes: 4,
    lastPassAt: "2026-11-25T12:00:00.000Z",
    checks: [check("docker", "ok"), check("ecs-agent", "ok")],
    repairs: [],
    ...overrides,
  };
}

/** A source that answers from a report the test sets, and counts every call (a probe would be a call). */
export function fakeSource() {
  const source = {
    report: report(),
    statusCalls: 0,
    metricsCalls: 0,
    /** When set, metrics() waits for it: requests stay in flight. */
    metricsGate: undefined as Promise<unknown> | undefined,
    failWith: undefined as Error | undefined,
    status(): DaemonStatus {
      source.statusCalls++;
      if (source.failWith) throw source.failWith;
      return source.report;
    },
    async metrics() {
      source.metricsCalls++;
      await source.metricsGate;
      if (source.failWith) throw source.failWith;
      return { contentType: PROM, body: EXPOSITION };
    },
  } satisfies HealthSource & Record<string, unknown>;
  return source;
}

const running: HealthServer[] = [];
const openSockets: Socket[] = [];
/** Ends the sockets the tests opened and closes the servers they started (after each test). */
export async function stopHealthServers(): Promise<void> {
  for (const socket of openSockets.splice(0)) socket.destroy();
  await Promise.all(running.splice(0).map((server) => server.close(100)));
}

/** A health server on 127.0.0.1 and a free port, with a debug logger whose every line the test sees. */
export async function start(options: Partial<HealthServerOptions> = {}) {
  const source = fakeSource();
  const lines: string[] = [];
  const log = createLogger("debug", new Redactor(), (line) => lines.push(line));
  const server = await startHealthServer({ source, host: "127.0.0.1", port: 0, log, ...options });
  running.push(server);
  return { server, source, lines, port: server.address.port };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection. */
export function get(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  openSockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {}); // a reset shows as the close the tests wait for
  return socket;
}

/** Everything the server sends on the socket until it closes it. */
export function untilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    socket.on("close", () => resolve(received));
  });
}

/** Writes raw request bytes, then collects the answer until the server closes the connection. */
export async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket = await rawSocket(port);
  const answer = untilClosed(socket);
  socket.write(bytes);
  return answer;
}

/** Reads one response (status line, headers, Content-Length body) off a kept-alive socket. */
export function nextResponse(socket: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off("data", onData);
      resolve({ status: Number(buffered.slice(9, 12)), body: buffered.slice(end + 4, end + 4 + length) });
    };
    socket.on("data", onData);
    socket.once("close", () =>
      reject(new Error(`connection closed before a response: ${JSON.stringify(buffered)}`)),
    );
  });
}

export const headerOf = (raw: string, name: string) =>
  new RegExp(`\\r\\n${name}: *([^\\r]*)\\r\\n`, "i").exec(raw.slice(0, raw.indexOf("\r\n\r\n") + 2))?.[1];
