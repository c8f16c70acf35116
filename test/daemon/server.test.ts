import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer } from "../../src/daemon/server.ts";
import { OperationError } from "../../src/errors.ts";
import { createLogger } from "../../src/util/logger.ts";
import { Redactor } from "../../src/util/redact.ts";
import {
  EXPOSITION,
  fakeSource,
  get,
  headerOf,
  nextResponse,
  rawExchange,
  rawSocket,
  start,
  stopHealthServers,
  untilClosed,
} from "./health-server.ts";

const TOKEN = "health-token-6f1d2c9a8b7e";

afterEach(stopHealthServers);

describe("the health server's requests", () => {
  it("ignores query strings", async () => {
    const { port } = await start();
    expect((await get(port, "/readyz?verbose=1&x")).status).toBe(200);
    expect((await get(port, "/metrics?name[]=up")).body).toBe(EXPOSITION);
  });

  it.each(["/status", "/metrics", "/readyz", "/livez"])(
    "answers HEAD %s with the GET headers and no body",
    async (path) => {
      const { port } = await start();
      const full = await get(port, path);
      const raw = await rawExchange(port, `HEAD ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      expect(raw).toMatch(/^HTTP\/1\.1 200 /);
      expect(raw.endsWith("\r\n\r\n")).toBe(true);
      expect(Number(headerOf(raw, "content-length"))).toBe(Buffer.byteLength(full.body));
      expect(headerOf(raw, "content-type")).toBe(full.headers["content-type"]);
    },
  );

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])(
    "refuses %s with 405 and Allow, without calling the source",
    async (method) => {
      const { port, source } = await start();
      for (const path of ["/readyz", "/metrics", "/status", "/livez"]) {
        const answer = await get(port, path, { method, body: "x".repeat(100) });
        expect(answer).toMatchObject({ status: 405, body: "method not allowed\n" });
        expect(answer.headers.allow).toBe("GET, HEAD");
        expect(answer.headers.connection).toBe("close");
      }
      expect(source.statusCalls + source.metricsCalls).toBe(0);
    },
  );

  it.each(["/", "/livez/", "/metrics.json", "/status/../status", "//status", "http://x/status"])(
    "answers 404 to the unknown path %j",
    async (path) => {
      const { port, source } = await start();
      const raw = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      expect(raw).toMatch(/^HTTP\/1\.1 404 /);
      expect(raw.endsWith("not found\n")).toBe(true);
      expect(source.statusCalls + source.metricsCalls).toBe(0);
    },
  );

  it("answers a failing source with 500 and one line, and logs the error at warn", async () => {
    const { port, source, lines } = await start();
    source.failWith = new Error("report not built\n    at build (/opt/agent/loop.js:10:3)");
    for (const path of ["/status", "/metrics", "/readyz"]) {
      expect(await get(port, path)).toMatchObject({ status: 500, body: "internal error\n" });
    }
    const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === "warn");
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ path: "/status", msg: "health endpoint failed" });
    expect(warnings[0].error).toContain("report not built");
    source.failWith = undefined;
    expect((await get(port, "/status")).status).toBe(200);
  });
});

describe("the health server's bearer token", () => {
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("guards /status and /metrics, and leaves /livez and /readyz open", async () => {
    const { port, source } = await start({ token: TOKEN });
    for (const path of ["/status", "/metrics"]) {
      for (const headers of [
        {},
        bearer("wrong-token-000000000000"),
        bearer(`${TOKEN}x`),
        bearer(TOKEN.slice(0, -1)),
        { Authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` },
        { Authorization: TOKEN },
        { Authorization: `Bearer ${TOKEN} extra` },
      ]) {
        const answer = await get(port, path, { headers });
        expect(answer, `${path} ${JSON.stringify(headers)}`).toMatchObject({
          status: 401,
          body: "unauthorized\n",
        });
        expect(answer.headers["www-authenticate"]).toBe("Bearer");
      }
    }
    expect(source.statusCalls + source.metricsCalls).toBe(0);

    expect((await get(port, "/status", { headers: bearer(TOKEN) })).status).toBe(200);
    expect((await get(port, "/metrics", { headers: { Authorization: `bearer  ${TOKEN}` } })).status).toBe(
      200,
    );
    expect((await get(port, "/livez")).status).toBe(200);
    expect((await get(port, "/readyz")).status).toBe(200);
    expect(source).toMatchObject({ statusCalls: 2, metricsCalls: 1 });
  });

  it("takes a new token, or none, in place of the old one", async () => {
    const { port, server } = await start({ token: TOKEN });
    server.setToken("rotated-token-1234567890");
    expect((await get(port, "/status", { headers: bearer(TOKEN) })).status).toBe(401);
    expect((await get(port, "/status", { headers: bearer("rotated-token-1234567890") })).status).toBe(200);
    server.setToken(undefined);
    expect((await get(port, "/metrics")).status).toBe(200);
    server.setToken("");
    expect((await get(port, "/metrics", { headers: { Authorization: "Bearer " } })).status).toBe(401);
  });

  it("never writes the token to the log, right or wrong", async () => {
    const { port, lines } = await start({ token: TOKEN });
    await get(port, "/status");
    await get(port, "/status", { headers: bearer(`${TOKEN}-and-more`) });
    await get(port, "/metrics", { headers: bearer(TOKEN) });
    await get(port, `/metrics?token=${TOKEN}`, { method: "POST", headers: bearer(TOKEN) });
    await rawExchange(
      port,
      `GET /status HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${TOKEN}\r\nX: ${"a".repeat(9000)}\r\n\r\n`,
    );
    const refusals = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === "debug");
    expect(refusals.map((entry) => entry.reason ?? entry.code)).toEqual([
      "no credentials",
      "wrong token",
      "method not allowed",
      "HPE_HEADER_OVERFLOW",
    ]);
    for (const line of lines) expect(line).not.toContain(TOKEN.slice(4, -4));
  });
});

describe("the health server under abuse", () => {
  it("answers 431 to a request whose headers pass 8 KiB, and still takes 4 KiB", async () => {
    const { port, source } = await start();
    const big = await rawExchange(
      port,
      `GET /readyz HTTP/1.1\r\nHost: t\r\nX-Big: ${"a".repeat(12 * 1024)}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    const fine = await rawExchange(
      port,
      `GET /readyz HTTP/1.1\r\nHost: t\r\nX-Big: ${"a".repeat(4 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expect(fine).toMatch(/^HTTP\/1\.1 200 /);
    expect(source.statusCalls).toBe(1);
  });

  it("cuts a client that stalls in its headers, or sends nothing, and serves others meanwhile", async () => {
    const { port } = await start({ timeouts: { headersMs: 200, requestMs: 400 } });
    const partial = await rawSocket(port);
    const partialAnswer = untilClosed(partial);
    partial.write("GET /readyz HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    const silent = await rawSocket(port);
    const silentAnswer = untilClosed(silent);

    expect((await get(port, "/readyz")).status).toBe(200);
    expect(await partialAnswer).toMatch(/^HTTP\/1\.1 408 /);
    await silentAnswer;
    expect(silent.destroyed).toBe(true);
    expect((await get(port, "/livez")).status).toBe(200);
  });

  it("serves 1,000 concurrent connections, and calls the source exactly once per request", async () => {
    const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1]);
    expect(limit, "this test needs about 2,100 file descriptors (ulimit -n)").toBeGreaterThan(2_200);
    const { port, source } = await start();
    const count = 1_000;
    // /metrics answers only once every /metrics request has arrived: all of them are in flight at once.
    let release = () => {};
    source.metricsGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sockets = await Promise.all(Array.from({ length: count }, () => rawSocket(port)));
    const answers = sockets.map((socket, i) => {
      const answer = nextResponse(socket);
      socket.write(`GET ${i % 2 === 0 ? "/metrics" : "/readyz"} HTTP/1.1\r\nHost: t\r\n\r\n`);
      return answer;
    });
    const everyAnswer = Promise.all(answers);
    let failed = false;
    everyAnswer.catch(() => {
      failed = true;
    });
    while (source.metricsCalls < count / 2 && !failed) await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await everyAnswer;
    expect(results.filter((result) => result.status === 200)).toHaveLength(count);
    expect(
      results.filter((result, i) => result.body === (i % 2 === 0 ? EXPOSITION : '{"ready":true}\n')),
    ).toHaveLength(count);
    expect(source).toMatchObject({ metricsCalls: count / 2, statusCalls: count / 2 });
    for (const socket of sockets) socket.destroy();
    expect((await get(port, "/livez")).status).toBe(200);
  }, 20_000);
});

describe("starting and closing the health server", () => {
  it("says where it cannot listen, in one line", async () => {
    const { port } = await start();
    const second = startHealthServer({
      source: fakeSource(),
      host: "127.0.0.1",
      port,
      log: createLogger("warn", new Redactor(), () => {}),
    });
    await expect(second).rejects.toThrow(OperationError);
    await expect(second).rejects.toThrow(`health server: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });

  it("lets a request in flight finish, ends idle keep-alive connections, and takes no new one", async () => {
    const { port, source, server } = await start();
    const idle = await rawSocket(port);
    const idleFirst = nextResponse(idle);
    idle.write("GET /livez HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await idleFirst).status).toBe(200);
    const idleClosed = untilClosed(idle);

    let release = () => {};
    source.metricsGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = get(port, "/metrics");
    while (source.metricsCalls === 0) await new Promise((resolve) => setImmediate(resolve));
    const closed = server.close(60_000);
    await idleClosed;
    await expect(get(port, "/livez")).rejects.toThrow(/ECONNREFUSED/);
    release();
    expect(await inFlight).toMatchObject({ status: 200, body: EXPOSITION });
    await closed;
  });

  it("drops a request still in flight at the deadline", async () => {
    const { port, source, server } = await start();
    source.metricsGate = new Promise(() => {});
    const stuck = get(port, "/metrics");
    while (source.metricsCalls === 0) await new Promise((resolve) => setImmediate(resolve));
    await server.close(50);
    await expect(stuck).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
