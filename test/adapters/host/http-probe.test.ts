import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { getJson, probeDate, probeReachable } from "../../../src/adapters/host/http-probe.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const url = await serve(() => {});
  const server = servers.pop();
  await new Promise((resolve) => server?.close(resolve));
  return url;
}

describe("probeDate", () => {
  it("returns the Date header of any answer, whatever its status", async () => {
    const url = await serve((_req, res) => {
      res.setHeader("Date", "Wed, 25 Nov 2026 11:59:15 GMT");
      res.statusCode = 403;
      res.end();
    });
    const result = await probeDate(url, 2_000);
    expect(result).toMatchObject({ ok: true, status: 403, date: new Date("2026-11-25T11:59:15Z") });
    expect(result.ok && result.rttMs).toBeGreaterThanOrEqual(0);
  });

  it("fails without a usable Date header", async () => {
    const url = await serve((_req, res) => {
      res.sendDate = false;
      res.end();
    });
    expect(await probeDate(url, 2_000)).toEqual({ ok: false, error: "no usable Date header (HTTP 200)" });
  });
});

describe("probeReachable", () => {
  it("is ok for any HTTP answer", async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    expect(await probeReachable(url, 2_000)).toEqual({ ok: true, status: 500 });
  });

  it("reports ECONNREFUSED for a closed port", async () => {
    expect(await probeReachable(await closedPort(), 2_000)).toEqual({ ok: false, error: "ECONNREFUSED" });
  });

  it("names a proxy that refuses the connection by host and port, never the endpoint nor the password", async () => {
    const proxy = new URL(await closedPort());
    const route = { http: `http://alice:pr0xy-pa55word@${proxy.host}`, https: "", noProxy: [] };
    const result = await probeReachable("http://ecs.test.invalid/", 2_000, route);
    expect(result).toEqual({
      ok: false,
      error: `cannot reach the proxy ${proxy.host} (ECONNREFUSED) for ecs.test.invalid:80`,
    });
    expect(JSON.stringify(result)).not.toMatch(/pr0xy-pa55word|alice/);
  });

  it("reports timeout when the server never answers", async () => {
    const url = await serve(() => {});
    expect(await probeReachable(url, 100)).toEqual({ ok: false, error: "timeout" });
  });

  it("refuses what is not an http(s) URL", async () => {
    expect(await probeReachable("ftp://example/", 100)).toEqual({
      ok: false,
      error: "unsupported scheme ftp:",
    });
    expect(await probeReachable("not a url", 100)).toEqual({ ok: false, error: "invalid URL" });
  });
});

describe("getJson", () => {
  it("parses a JSON body and names the status of one that is not JSON", async () => {
    const url = await serve((req, res) => {
      res.statusCode = req.url === "/ok" ? 200 : 502;
      res.end(req.url === "/ok" ? '{"a":1}' : "<html>bad gateway</html>");
    });
    expect(await getJson(`${url}/ok`, 2_000)).toEqual({ ok: true, status: 200, body: { a: 1 } });
    expect(await getJson(`${url}/bad`, 2_000)).toEqual({ ok: false, error: "HTTP 502 without a JSON body" });
  });
});
