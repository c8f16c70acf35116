import { afterEach, describe, expect, it } from "vitest";
import type { LoopLag } from "../../src/daemon/loop-lag.ts";
import {
  check,
  EXPOSITION,
  get,
  nextResponse,
  PROM,
  rawSocket,
  report,
  start,
  stopHealthServers,
} from "./health-server.ts";

afterEach(stopHealthServers);

describe("the health server's endpoints", () => {
  it("answers /livez with ok while the event loop keeps up", async () => {
    const { port, source } = await start();
    const answer = await get(port, "/livez");
    expect(answer).toMatchObject({ status: 200, body: "ok\n" });
    expect(answer.headers).toMatchObject({
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    expect(source.statusCalls + source.metricsCalls).toBe(0);
  });

  it("answers /livez 503 when the event loop lags past the limit", async () => {
    let lag = 0;
    const loopLag: LoopLag = { lagMs: () => lag, stop: () => {} };
    const { port } = await start({ loopLag, maxLoopLagMs: 1_000 });
    lag = 999;
    expect((await get(port, "/livez")).status).toBe(200);
    lag = 1_000;
    expect(await get(port, "/livez")).toMatchObject({
      status: 503,
      body: "event loop lag 1000 ms, limit 1000 ms\n",
    });
    lag = 3;
    expect((await get(port, "/livez")).status).toBe(200);
  });

  it("sees a real blocked event loop on /livez, and recovers once it runs again", async () => {
    const { port } = await start({ maxLoopLagMs: 50 });
    const socket = await rawSocket(port);
    const answer = nextResponse(socket);
    socket.write("GET /livez HTTP/1.1\r\nHost: t\r\n\r\n");
    const blockedUntil = performance.now() + 250;
    while (performance.now() < blockedUntil) {
      // the request waits in the kernel while this loop is blocked
    }
    expect((await answer).status).toBe(503);
    let status = 503;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await get(port, "/livez")).status;
    }
    expect(status).toBe(200);
  });

  it("answers /readyz 200, then 503 with the failing critical checks, then 200 again as the report changes", async () => {
    const { port, source } = await start();
    const ready = await get(port, "/readyz");
    expect(ready).toMatchObject({ status: 200, body: '{"ready":true}\n' });
    expect(ready.headers["content-type"]).toBe("application/json; charset=utf-8");

    source.report = report({
      ready: false,
      checks: [
        check("docker", "failed"),
        check("ecs-agent", "ok"),
        check("clock-skew", "failed", false),
        check("ssm-agent", "warn"),
      ],
    });
    const notReady = await get(port, "/readyz");
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({
      ready: false,
      failing: [{ name: "docker", message: "docker is failed" }],
      reason: "1 critical check failing",
    });

    source.report = report();
    expect((await get(port, "/readyz")).status).toBe(200);
    expect(source.statusCalls).toBe(3);
  });

  it.each([
    [{ passes: 0, checks: [] }, "no probe pass yet"],
    [{ registered: false }, "not registered in the cluster"],
    [{ summary: "registered in edge, waiting for the agent" }, "registered in edge, waiting for the agent"],
  ])("says why it is not ready when no critical check fails (%j)", async (overrides, reason) => {
    const { port, source } = await start();
    source.report = report({ ...overrides, ready: false });
    const answer = await get(port, "/readyz");
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ ready: false, failing: [], reason });
  });

  it("answers /status with the cached report as JSON", async () => {
    const { port, source } = await start();
    const answer = await get(port, "/status");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(answer.body)).toEqual(source.report);
  });

  it("answers /metrics with the source's exposition and content type", async () => {
    const { port, source } = await start();
    const answer = await get(port, "/metrics");
    expect(answer).toMatchObject({ status: 200, body: EXPOSITION });
    expect(answer.headers["content-type"]).toBe(PROM);
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(source.metricsCalls).toBe(1);
  });
});
