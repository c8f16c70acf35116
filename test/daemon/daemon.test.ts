import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SHUTDOWN_DEADLINE_MS } from "../../src/daemon/daemon.ts";
import {
  ARN,
  CLUSTER,
  type DaemonWorld,
  makeRegistered,
  REGION,
  type RunningDaemon,
  startDaemonWorld,
  startDaemon as startIn,
} from "./harness.ts";

let world: DaemonWorld;
beforeAll(async () => {
  world = await startDaemonWorld();
});
afterAll(async () => {
  await world.stop();
});

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

  it("applies the daemon's V8 settings (bin.ts's tuneDaemon) once, before its first pass", async () => {
    makeRegistered(world.host, new Date());
    let callsWhenTuned: number | undefined;
    const tune = vi.fn(() => {
      callsWhenTuned = world.host.systemctlCalls().length;
    });
    const before = world.host.systemctlCalls().length;
    const daemon = await startIn(world, CONFIG, {}, [], tune);
    try {
      await daemon.nextPass();
      expect(world.host.systemctlCalls().length).toBeGreaterThan(before); // a pass does ask systemctl
      expect(tune).toHaveBeenCalledTimes(1);
      // No systemctl call (a pass asks for the units' states) had been made when the settings were applied.
      expect(callsWhenTuned).toBe(before);
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

const startDaemon = (configText: string, env: Record<string, string> = {}) => startIn(world, configText, env);

async function waitForLog(daemon: RunningDaemon, message: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (daemon.logs().some((entry) => entry.msg === message)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no log line "${message}"`);
}

describe("the daemon and secrets", () => {
  it("never shows a planted secret in /status, /metrics, /readyz, /livez or its logs", async () => {
    makeRegistered(world.host, new Date());
    const registryPassword = "registry-password-planted";
    // The operator's registry credentials in ecs.config, changed behind the daemon's back (drift it reports).
    const auth = `{"https://registry.example":{"username":"u","password":"${registryPassword}"}}`;
    const config = `${CONFIG.replace("repair: false", "repair: true\n  controlPlane: true")}ecsConfig:\n  ECS_ENGINE_AUTH_TYPE: dockercfg\n  ECS_ENGINE_AUTH_DATA: '${auth}'\n`;
    world.host.writeFile(
      "/etc/ecs/ecs.config",
      `ECS_ENGINE_AUTH_TYPE=dockercfg\nECS_ENGINE_AUTH_DATA={"https://registry.example":{"username":"u","password":"old-${registryPassword}"}}\n`,
      0o600,
    );
    const daemon = await startDaemon(config);
    try {
      await daemon.nextPass();
      const bodies = await Promise.all(
        ["/status", "/metrics", "/readyz", "/livez"].map(async (path) =>
          (await fetch(`${daemon.url}${path}`)).text(),
        ),
      );
      const status = JSON.parse(bodies[0] as string);
      // It did see and repair the drift, so the secrets went through its hands.
      expect(status.repairs.map((r: { action: string }) => r.action)).toContain("rewrite-ecs-config");
      expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(registryPassword);
      // The control-plane check ran, with the instance role's credentials from the host.
      const plane = status.checks.find((c: { name: string }) => c.name === "control-plane");
      expect(plane?.status).not.toBe("skipped");
      const logs = daemon.logs().map((entry) => JSON.stringify(entry));
      const planted = [
        registryPassword,
        "PRIVATE-KEY-SECRET", // the SSM registration key
        "INSTANCE-SECRET-KEY", // the instance role credentials the control-plane checks use
        "INSTANCE-SESSION-TOKEN",
        world.env.AWS_SECRET_ACCESS_KEY as string, // the operator's
      ];
      for (const secret of planted) {
        for (const [name, text] of [
          ...bodies.map((b, i) => [`endpoint ${i}`, b]),
          ["logs", logs.join("\n")],
        ]) {
          expect(text, `${name} shows ${secret}`).not.toContain(secret);
        }
      }
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });
});

describe("the daemon and the systemd watchdog", () => {
  /** A stand-in systemd-notify on the daemon's PATH: records each call's arguments (our own calls use that PATH). */
  function recorder() {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-bin-"));
    writeFileSync(join(dir, "systemd-notify"), `#!/bin/sh\necho "$*" >> "$(dirname "$0")/runs"\n`);
    chmodSync(join(dir, "systemd-notify"), 0o755);
    const runs = () =>
      existsSync(join(dir, "runs")) ? readFileSync(join(dir, "runs"), "utf8").trim().split("\n") : [];
    return { dir, pings: () => runs().filter((line) => line.includes("WATCHDOG=1")).length, runs };
  }

  async function settle(count: () => number, expected: number) {
    for (let i = 0; i < 300 && count() < expected; i++) await new Promise((r) => setTimeout(r, 10));
  }

  it("pings at half of WATCHDOG_USEC while the probe loop progresses, and stops when it stalls", async () => {
    for (const stalled of [false, true]) {
      makeRegistered(world.host, new Date());
      const bin = recorder();
      // The package sends READY and STATUS with the process's own environment (src/daemon/notify.ts).
      vi.stubEnv("PATH", `${bin.dir}:${process.env.PATH}`);
      vi.stubEnv("NOTIFY_SOCKET", join(bin.dir, "notify.sock"));
      const daemon = await startDaemon(CONFIG, {
        NOTIFY_SOCKET: join(bin.dir, "notify.sock"),
        WATCHDOG_USEC: "20000000", // 20 s: a ping every 10 s
        PATH: `${bin.dir}:${world.env.PATH}`,
        ...(stalled ? { ECS_ANYWHERE_FAILPOINTS: "probe-loop-stall" } : {}),
      });
      try {
        // The watchdog timer starts once READY=1 went out.
        await settle(() => daemon.logs().filter((entry) => entry.msg === "watchdog pings on").length, 1);
        expect(daemon.logs().find((entry) => entry.msg === "watchdog pings on")).toMatchObject({
          everyMs: 10_000,
        });
        expect(bin.runs()[0]).toMatch(
          /^--ready --pid=\d+ --status=registered in edge, 12\/12 checks passing$/,
        );
        // 15 s passes (jittered), 10 s pings, 86.5 s until a quiet loop counts as stalled.
        for (let tick = 1; tick <= 20; tick++) {
          await daemon.clock.advance(10_000);
          if (!stalled) await settle(bin.pings, tick);
        }
        await settle(bin.pings, stalled ? 8 : 20);
        await new Promise((r) => setTimeout(r, 100));
        if (stalled) {
          // Pings for the first 86.5 s after the last progress (the first pass), none after.
          expect(bin.pings()).toBe(8);
          expect(daemon.logs().map((entry) => entry.msg)).toContain(
            "the probe loop makes no progress: watchdog not pinged",
          );
        } else {
          expect(bin.pings()).toBe(20);
        }
        expect(bin.runs().every((line) => line.startsWith(`--pid=`) || line.includes("--ready"))).toBe(true);
      } finally {
        daemon.stop();
        await daemon.exit;
        vi.unstubAllEnvs();
      }
      expect(bin.runs().at(-1)).toMatch(/^--pid=\d+ STOPPING=1$/);
    }
  });
});
