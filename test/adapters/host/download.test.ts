import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyRoute } from "../../../src/adapters/aws/proxy-agent.ts";
import { download, openGet } from "../../../src/adapters/host/download.ts";
import { type ConnectProxy, startConnectProxy } from "../../support/connect-proxy.ts";

const MIB = 1024 * 1024;
let server: http.Server;
let base = "";
let sent = 0;
let proxy: ConnectProxy;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === "/script") return void response.end("#!/bin/bash\n");
    if (request.url === "/moved") {
      response.writeHead(302, { location: "/script" });
      return void response.end();
    }
    if (request.url === "/loop") {
      response.writeHead(301, { location: "/loop" });
      return void response.end();
    }
    if (request.url === "/missing") {
      response.writeHead(404);
      return void response.end("not here");
    }
    // A body that never says how long it is, and would go on for 64 MiB.
    response.writeHead(200);
    const chunk = Buffer.alloc(MIB, 0x61);
    const write = () => {
      while (sent < 64 * MIB) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once("drain", write);
      }
      response.end();
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  proxy = await startConnectProxy();
});
afterAll(async () => {
  await proxy.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("download", () => {
  it("returns the body of a 2xx answer and names the status of any other", async () => {
    const ok = await download(`${base}/script`, 5_000);
    expect(ok.ok && ok.body.toString()).toBe("#!/bin/bash\n");
    expect(await download(`${base}/missing`, 5_000)).toEqual({ ok: false, error: "HTTP 404" });
  });

  it("stops reading a body past 16 MiB instead of buffering it whole", async () => {
    expect(await download(`${base}/endless`, 10_000)).toEqual({
      ok: false,
      error: `larger than ${16 * MIB} bytes`,
    });
    expect(sent).toBeLessThan(64 * MIB);
  });
});

describe("download through the host's HTTP proxy", () => {
  const route = (noProxy: string[] = []): ProxyRoute => ({ http: proxy.url, https: proxy.url, noProxy });
  const origin = () => base.slice("http://".length);

  it("tunnels the request through the proxy (CONNECT to the origin)", async () => {
    proxy.tunnels.length = 0;
    const ok = await download(`${base}/script`, 5_000, undefined, route());
    expect(ok.ok && ok.body.toString()).toBe("#!/bin/bash\n");
    expect(proxy.tunnels).toEqual([origin()]);
  });

  it("follows a redirect, through the proxy again", async () => {
    proxy.tunnels.length = 0;
    const ok = await download(`${base}/moved`, 5_000, undefined, route());
    expect(ok.ok && ok.body.toString()).toBe("#!/bin/bash\n");
    expect(proxy.tunnels).toEqual([origin(), origin()]);
  });

  it("goes direct to a host in NO_PROXY, and without a proxy", async () => {
    proxy.tunnels.length = 0;
    expect((await download(`${base}/script`, 5_000, undefined, route(["127.0.0.1"]))).ok).toBe(true);
    expect((await download(`${base}/script`, 5_000)).ok).toBe(true);
    expect(proxy.tunnels).toEqual([]);
  });

  it("fails when the proxy is not there (no direct retry), and gives up on endless redirects", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const gone = `http://127.0.0.1:${port}`;
    expect(
      await download(`${base}/script`, 5_000, undefined, { http: gone, https: gone, noProxy: [] }),
    ).toEqual({ ok: false, error: "ECONNREFUSED" });
    await expect(openGet(`${base}/loop`, AbortSignal.timeout(5_000), route())).rejects.toThrow(
      "more than 5 redirects",
    );
  });
});
