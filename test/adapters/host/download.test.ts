import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProxyRoute } from "../../../src/adapters/aws/proxy-route.ts";
import { download, openGet } from "../../../src/adapters/host/download.ts";
import { type ConnectProxy, startConnectProxy } from "../../support/connect-proxy.ts";
import { refusingPort } from "../../support/refusing-port.ts";

const MIB = 1024 * 1024;
const PASSWORD = "pr0xy-pa55word";
const SIGNATURE = "d3adb33fsignature";

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

  it("fails when the proxy is not there (no direct retry), naming the proxy and the target", async () => {
    const port = await refusingPort();
    const gone = `http://127.0.0.1:${port}`;
    expect(
      await download(`${base}/script`, 5_000, undefined, { http: gone, https: gone, noProxy: [] }),
    ).toEqual({
      ok: false,
      error: `cannot reach the proxy 127.0.0.1:${port} (ECONNREFUSED) for ${base}/script`,
    });
  });

  it("names a refusing proxy by host and port only: never its credentials, nor the target's query", async () => {
    const port = await refusingPort();
    const withPassword = `http://alice%40example:${PASSWORD}@127.0.0.1:${port}`;
    const through = { http: withPassword, https: withPassword, noProxy: [] };
    for (const target of ["https://packages.example/amazon-ecs-init.deb", `${base}/script`]) {
      const answer = await download(`${target}?X-Amz-Signature=${SIGNATURE}`, 5_000, undefined, through);
      expect(answer).toEqual({
        ok: false,
        error: `cannot reach the proxy 127.0.0.1:${port} (ECONNREFUSED) for ${target}`,
      });
      const text = JSON.stringify(answer);
      for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), "alice", SIGNATURE]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it("gives up on endless redirects", async () => {
    await expect(openGet(`${base}/loop`, AbortSignal.timeout(5_000), route())).rejects.toThrow(
      "more than 5 redirects",
    );
  });
});
