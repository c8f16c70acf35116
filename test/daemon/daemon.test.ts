import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.ts";
import { SHUTDOWN_DEADLINE_MS } from "../../src/daemon/daemon.ts";
import { manualClock } from "../support/clock.ts";
import { ARN, CLUSTER, type DaemonWorld, makeRegistered, REGION, startDaemonWorld } from "./harness.ts";

let world: DaemonWorld;
beforeAll(async () => {
  world = await startDaemonWorld();
});
afterAll(async () => {
  await world.stop();
});

interface Running {
  url: string;
  configFile: string;
  clock: ReturnType<typeof manualClock>;
  logs: () => Record<string, unknown>[];
  reload: () => void;
  stop: (reason?: string) => void;
  exit: Promise<number>;
  /** Moves the clock past the wait and returns once the next pass is in the report. */
  nextPass: () => Promise<void>;
}

async function startDaemon(configText: string, env: Record<string, string> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "daemon-config-"));
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, configText);
  const clock = manualClock(new Date());
  const controller = new AbortController();
  const lines: string[] = [];
  let reloadListener: (() => void) | undefined;
  const exit = runCli(
    [
      "daemon",
      "--root",
      world.host.root,
      "--ecs-agent-url",
      world.host.introspectionUrl,
      "--listen",
      "127.0.0.1:0",
    ],
    {
      env: { ...world.env, ECS_ANYWHERE_CONFIG: configFile, ECS_ANYWHERE_LOG_LEVEL: "info", ...env },
      clock,
      signal: controller.signal,
      onReload: (listener) => {
        reloadListener = listener;
        return () => {
          reloadListener = undefined;
        };
      },
      stdout: () => {},
      stderr: (text) => lines.push(...text.split("\n").filter((line) => line !== "")),
      host: { system: { uid: () => 0 } },
    },
  );
  const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (let i = 0; i < 500 && !logs().some((entry) => entry.msg === "serving"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const serving = logs().find((entry) => entry.msg === "serving");
  if (serving === undefined) throw new Error(`the daemon did not start serving:\n${lines.join("\n")}`);
  const url = `http://${String(serving.listen)}`;
  const passes = async () => ((await (await fetch(`${url}/status`)).json()) as { passes: number }).passes;
  return {
    url,
    configFile,
    clock,
    logs,
    reload: () => reloadListener?.(),
    stop: (reason = "SIGTERM") => controller.abort(reason),
    exit,
    nextPass: async () => {
      const before = await passes();
      for (let i = 0; i < 500 && clock.sleepers() === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(20_000); // past the jittered 15 s wait
      for (let i = 0; i < 1000 && (await passes()) === before; i++)
        await new Promise((r) => setTimeout(r, 5));
    },
  };
}

const CONFIG = `region: ${REGION}\ncluster: ${CLUSTER}\nhealth:\n  interval: 15s\n  repair: false\n`;

describe("the daemon", () => {
  it("serves the cached report: /readyz flips 200 -> 503 -> 200 with the agent's registration, /metrics follows, requests never probe", async () => {
    makeRegistered(world.host, new Date());
    const daemon = await startDaemon(CONFIG);
    try {
      const ready = await fetch(`${daemon.url}/readyz`);
      expect(ready.status, await ready.clone().text()).toBe(200);
      const status = (await (await fetch(`${daemon.url}/status`)).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ ready: true, containerInstanceArn: ARN, cluster: CLUSTER, passes: 1 });

      // Requests read the cache: 50 of them start no probe (no systemctl call, no introspection request).
      const calls = world.host.systemctlCalls().length;
      await Promise.all(
        Array.from({ length: 50 }, () => fetch(`${daemon.url}/metrics`).then((r) => r.text())),
      );
      expect(world.host.systemctlCalls().length).toBe(calls);

      world.host.setIntrospection({ Cluster: CLUSTER, ContainerInstanceArn: null, Version: "v" } as never);
      await daemon.nextPass();
      const lost = await fetch(`${daemon.url}/readyz`);
      expect(lost.status).toBe(503);
      expect(JSON.stringify(await lost.json())).toContain("ecs-agent");
      expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(/^ecs_anywhere_registered 0$/m);

      makeRegistered(world.host, new Date());
      await daemon.nextPass();
      expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(/^ecs_anywhere_registered 1$/m);
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });

  it("SIGHUP: a broken config is logged and the old one kept (still serving); a good one applies", async () => {
    makeRegistered(world.host, new Date());
    const daemon = await startDaemon(CONFIG);
    try {
      writeFileSync(daemon.configFile, "health:\n  interval: soon\n");
      daemon.reload();
      await waitForLog(daemon, "config reload failed: keeping the running config");
      const failed = daemon
        .logs()
        .find((entry) => entry.msg === "config reload failed: keeping the running config");
      expect(String(failed?.error)).toMatch(/health\.interval/);
      expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);

      writeFileSync(daemon.configFile, CONFIG.replace("15s", "45s"));
      daemon.reload();
      await waitForLog(daemon, "config reloaded");
      expect(daemon.logs().find((entry) => entry.msg === "config reloaded")).toMatchObject({ interval: 45 });
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });

  it("ECS_ANYWHERE_FAILPOINTS=probe-loop-stall: it keeps serving, and its probe loop stops (field notes §9.6)", async () => {
    makeRegistered(world.host, new Date());
    const daemon = await startDaemon(CONFIG, { ECS_ANYWHERE_FAILPOINTS: "probe-loop-stall" });
    try {
      await waitForLog(daemon, "failpoint: the probe loop stalls here");
      const passes = async () =>
        ((await (await fetch(`${daemon.url}/status`)).json()) as { passes: number }).passes;
      const stalledAt = await passes();
      await daemon.clock.advance(60_000); // four intervals: a running loop would have passed again
      expect((await fetch(`${daemon.url}/livez`)).status).toBe(200);
      expect(await passes()).toBe(stalledAt);
    } finally {
      daemon.stop();
    }
    expect(await daemon.exit).toBe(0);
  });

  it("SIGTERM: stops the loop, closes the server and exits 0 within the deadline", async () => {
    makeRegistered(world.host, new Date());
    const daemon = await startDaemon(CONFIG);
    expect((await fetch(`${daemon.url}/livez`)).status).toBe(200);
    daemon.stop("SIGTERM");
    const code = await Promise.race([
      daemon.exit,
      new Promise((resolve) => setTimeout(() => resolve("still running"), SHUTDOWN_DEADLINE_MS)),
    ]);
    expect(code).toBe(0);
    await expect(fetch(`${daemon.url}/livez`)).rejects.toThrow();
    expect(daemon.logs().at(-1)).toMatchObject({ msg: "stopped" });
  });
});

async function waitForLog(daemon: Running, message: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (daemon.logs().some((entry) => entry.msg === message)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no log line "${message}"`);
}
