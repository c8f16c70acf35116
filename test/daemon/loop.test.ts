import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../src/adapters/host/fs.ts";
import { createSystemInfo } from "../../src/adapters/host/system.ts";
import { acquireLock } from "../../src/components/agent-state/lock.ts";
import { PROBED_UNITS } from "../../src/daemon/pass-units.ts";
import type { Probe } from "../../src/daemon/probes/probe.ts";
import { PROBES } from "../../src/daemon/probes.ts";
import { fakeClock } from "../support/clock.ts";
import {
  ARN,
  CLUSTER,
  type DaemonWorld,
  ecsConfigText,
  loopFor,
  MI,
  makeRegistered,
  setCredentials,
  startDaemonWorld,
  stopUnit,
} from "./harness.ts";

let world: DaemonWorld;
beforeAll(async () => {
  world = await startDaemonWorld();
});
afterAll(async () => {
  await world.stop();
});
beforeEach(() => {
  makeRegistered(world.host, new Date());
});

const never = new AbortController().signal;
const byName = (status: { checks: { name: string; status: string }[] }) =>
  Object.fromEntries(status.checks.map((check) => [check.name, check.status]));

describe("the probe loop", () => {
  it("reports a registered host ready, every check passing, and caches the report between passes", async () => {
    const { loop } = await loopFor(world);
    expect(loop.status().ready).toBe(false);
    expect(loop.status().summary).toMatch(/no probe pass yet/);
    const status = await loop.pass(never);
    expect(byName(status)).toEqual({
      "ecs-agent": "ok",
      "ecs-unit": "ok",
      "ssm-unit": "ok",
      "docker-unit": "ok",
      "ssm-registration": "ok",
      "credentials-fresh": "ok",
      docker: "ok",
      "ecs-config": "ok",
      proxy: "ok",
      "clock-skew": "ok",
      disk: "ok",
      "credential-shadowing": "ok",
    });
    expect(status).toMatchObject({
      ready: true,
      registered: true,
      cluster: CLUSTER,
      containerInstanceArn: ARN,
      managedInstanceId: MI,
      passes: 1,
      summary: `registered in ${CLUSTER}, 12/12 checks passing`,
    });
    // Reading the cache never probes: the same object until the next pass.
    expect(loop.status()).toBe(status);
    expect(loop.status()).toBe(status);
  });

  it("asks systemd once per pass: one systemctl show for every unit probe", async () => {
    const { loop } = await loopFor(world);
    const before = world.host.systemctlCalls().length;
    await loop.pass(never);
    await loop.pass(never);
    const show = `show --property=LoadState,ActiveState ${PROBED_UNITS.map((unit) => `${unit}.service`).join(" ")}`;
    expect(world.host.systemctlCalls().slice(before)).toEqual([show, show]);
  });

  it("never runs two passes at once: a second call joins the running pass", async () => {
    let runs = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Probe = {
      name: "slow",
      critical: false,
      run: async () => {
        runs += 1;
        await gate;
        return { status: "ok", message: "done" };
      },
    };
    const { loop } = await loopFor(world, { probes: [slow] });
    const first = loop.pass(never);
    const second = loop.pass(never);
    expect(second).toBe(first);
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    expect(loop.status().passes).toBe(1);
    await loop.pass(never);
    expect(runs).toBe(2);
  });

  it("waits interval x [0.9, 1.1] between passes (jitter), on the clock port", async () => {
    for (const [jitter, factor] of [
      [0, 0.9],
      [1, 1.1],
      [0.5, 1],
    ] as const) {
      const quick: Probe = {
        name: "quick",
        critical: false,
        run: async () => ({ status: "ok", message: "ok" }),
      };
      const { loop, sleeps } = await loopFor(world, {
        probes: [quick],
        jitter: () => jitter,
        health: { interval: "20s" },
      });
      const stop = new AbortController();
      await loop.run(stop.signal, (status) => {
        if (status.passes === 3) stop.abort();
      });
      expect(loop.status().passes).toBe(3);
      expect(sleeps).toEqual([20_000 * factor, 20_000 * factor]);
    }
  });

  it("asks for the clock skew at most every 10 minutes and keeps the last verdict in between", async () => {
    const { loop, clock } = await loopFor(world);
    const first = (await loop.pass(never)).checks.find((c) => c.name === "clock-skew");
    clock.advance(60_000);
    const cached = (await loop.pass(never)).checks.find((c) => c.name === "clock-skew");
    expect(cached?.observedAt).toBe(first?.observedAt);
    const docker1 = loop.status().checks.find((c) => c.name === "docker")?.observedAt;
    expect(docker1).not.toBe(first?.observedAt); // the others ran again
    clock.advance(10 * 60_000);
    const fresh = (await loop.pass(never)).checks.find((c) => c.name === "clock-skew");
    expect(fresh?.observedAt).not.toBe(first?.observedAt);
  });

  it("a probe that never answers fails on its timeout and the pass goes on", async () => {
    const hung: Probe = { name: "hung", critical: true, run: () => new Promise(() => {}) };
    const thrower: Probe = {
      name: "thrower",
      critical: false,
      run: async () => {
        throw new Error("boom\n    at secret.ts:1");
      },
    };
    const { loop } = await loopFor(world, { probes: [hung, thrower], health: { probeTimeout: "1s" } });
    const status = await loop.pass(never);
    expect(status.checks).toEqual([
      expect.objectContaining({ name: "hung", status: "failed", message: "no answer within 1000 ms" }),
      expect.objectContaining({
        name: "thrower",
        status: "failed",
        message: "the probe itself failed: boom",
      }),
    ]);
    expect(status.ready).toBe(false);
  });

  it("flips not ready when the agent loses its registration, and back", async () => {
    const { loop, metrics } = await loopFor(world, { health: { repair: false } });
    expect((await loop.pass(never)).ready).toBe(true);
    world.host.setIntrospection({ Cluster: CLUSTER, ContainerInstanceArn: null, Version: "v" } as never);
    const lost = await loop.pass(never);
    expect(lost).toMatchObject({ ready: false, registered: false });
    expect(lost.summary).toBe(`not registered in ${CLUSTER}; failing: ecs-agent`);
    expect((await metrics.render()).body).toMatch(/^ecs_anywhere_ready 0$/m);
    makeRegistered(world.host, new Date());
    expect((await loop.pass(never)).ready).toBe(true);
    expect((await metrics.render()).body).toMatch(/^ecs_anywhere_ready 1$/m);
  });

  it("judges the instance credentials by their expiry", async () => {
    const { loop, clock, metrics } = await loopFor(world);
    const now = clock.now();
    setCredentials(world.host, new Date(now.getTime() + 10 * 60_000), now);
    const soon = (await loop.pass(never)).checks.find((c) => c.name === "credentials-fresh");
    expect(soon).toMatchObject({ status: "warn", message: "the instance credentials expire in 10 min" });
    expect((await metrics.render()).body).toContain(
      `ecs_anywhere_credentials_expiry_timestamp_seconds ${(now.getTime() + 600_000) / 1000}`,
    );
    setCredentials(world.host, new Date(now.getTime() - 1000), now);
    const expired = await loop.pass(never);
    expect(expired.checks.find((c) => c.name === "credentials-fresh")?.status).toBe("failed");
    expect(expired.ready).toBe(false);
  });

  it("logs one line per change of state, not one per pass", async () => {
    const { loop, logs } = await loopFor(world, { health: { repair: false } });
    await loop.pass(never);
    const afterFirst = logs.length;
    expect(logs.map((line) => JSON.parse(line).msg)).toEqual(["ready"]);
    await loop.pass(never);
    await loop.pass(never);
    expect(logs.length).toBe(afterFirst);
    stopUnit(world.host, "docker");
    await loop.pass(never);
    const changed = logs.slice(afterFirst).map((line) => JSON.parse(line));
    expect(changed).toEqual([
      expect.objectContaining({ msg: "check changed", check: "docker-unit", status: "failed", was: "ok" }),
      expect.objectContaining({ msg: "not ready", ready: false }),
    ]);
    await loop.pass(never);
    expect(logs.length).toBe(afterFirst + 2);
  });
});

describe("drift repair", () => {
  it("rewrites drifted ecs.config keys, restarts ecs, and says so in the log and the metrics", async () => {
    const { loop, logs, metrics } = await loopFor(world);
    world.host.writeFile(
      "/etc/ecs/ecs.config",
      ecsConfigText().replace("ECS_LOGLEVEL=info", "ECS_LOGLEVEL=debug"),
      0o600,
    );
    const before = world.host.systemctlCalls().length;
    const status = await loop.pass(never);
    expect(status.checks.find((c) => c.name === "ecs-config")).toMatchObject({ status: "warn" });
    expect(status.repairs).toEqual([
      expect.objectContaining({
        action: "rewrite-ecs-config",
        result: "ok",
        message: "rewrote /etc/ecs/ecs.config and restarted ecs",
      }),
    ]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(ecsConfigText());
    expect(world.host.systemctlCalls().slice(before)).toContain("restart ecs");
    expect(logs.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ msg: "repaired", action: "rewrite-ecs-config", result: "ok" }),
    );
    expect((await metrics.render()).body).toContain(
      'ecs_anywhere_repairs_total{action="rewrite-ecs-config",result="ok"} 1',
    );
    // Converged: the next pass has nothing to repair.
    const next = await loop.pass(never);
    expect(next.checks.find((c) => c.name === "ecs-config")?.status).toBe("ok");
    expect(next.repairs).toHaveLength(1);
  });

  it("restarts an inactive unit (docker, the SSM agent) and the host is ready again on the next pass", async () => {
    const { loop } = await loopFor(world);
    stopUnit(world.host, "docker");
    stopUnit(world.host, "amazon-ssm-agent");
    const first = await loop.pass(never);
    expect(first.ready).toBe(false);
    expect(first.repairs.map((r) => [r.action, r.result])).toEqual([
      ["restart-docker", "ok"],
      ["restart-ssm-agent", "ok"],
    ]);
    expect(world.host.unitState("docker").active).toBe(true);
    expect((await loop.pass(never)).ready).toBe(true);
  });

  it("backs off exponentially while a repair keeps failing, and caps the attempts per hour", async () => {
    const clock = fakeClock(new Date());
    const ecsUnit = PROBES.filter((probe) => probe.name === "ecs-unit");
    const { loop, metrics } = await loopFor(world, {
      clock,
      probes: ecsUnit,
      health: { maxRepairsPerHour: 3 },
    });
    // ecs cannot come back: its saved cluster differs (field notes §2.6), so every restart fails.
    world.host.writeFile(
      "/var/lib/ecs/data/agent.db",
      JSON.stringify({ cluster: "other", containerInstanceArn: ARN }),
    );
    stopUnit(world.host, "ecs");
    const attempts: string[] = [];
    let at = 0;
    for (const second of [0, 15, 30, 45, 60, 75, 90, 105, 120, 1800, 3600]) {
      clock.advance((second - at) * 1000);
      at = second;
      const status = await loop.pass(never);
      const last = status.repairs.at(-1);
      if (last && last.at === clock.now().toISOString()) attempts.push(`${second}:${last.result}`);
    }
    // 30 s after the first attempt, then 60 s after the second; then the cap (3 an hour) holds it back until
    // the first attempt is an hour old.
    expect(attempts).toEqual([
      "0:failed",
      "15:skipped",
      "30:failed",
      "45:skipped",
      "60:skipped",
      "75:skipped",
      "90:failed",
      "105:skipped",
      "120:skipped",
      "1800:skipped",
      "3600:failed",
    ]);
    const messages = loop.status().repairs.map((r) => r.message);
    expect(messages).toContainEqual(expect.stringMatching(/backing off until/));
    expect(messages).toContainEqual(expect.stringMatching(/capped: 3 attempts in the last hour/));
    expect((await metrics.render()).body).toContain(
      'ecs_anywhere_repairs_total{action="restart-ecs",result="failed"} 4',
    );
    expect((await metrics.render()).body).toContain(
      'ecs_anywhere_repairs_total{action="restart-ecs",result="skipped"} 7',
    );
  });

  it("repairs nothing while register or deregister holds the lock", async () => {
    const { loop } = await loopFor(world);
    const fs = new HostFs(world.host.root);
    const lock = await acquireLock(fs, createSystemInfo(fs), fakeClock(), "register", 0);
    try {
      stopUnit(world.host, "docker");
      const calls = world.host.systemctlCalls().length;
      const status = await loop.pass(never);
      expect(status.repairs).toEqual([
        expect.objectContaining({
          action: "restart-docker",
          result: "skipped",
          message: expect.stringMatching(/not repaired: .*register/),
        }),
      ]);
      expect(
        world.host
          .systemctlCalls()
          .slice(calls)
          .filter((c) => !c.startsWith("is-active") && !c.startsWith("show")),
      ).toEqual([]);
      expect(world.host.unitState("docker").active).toBe(false);
    } finally {
      await lock.release();
    }
    expect((await loop.pass(never)).repairs.at(-1)).toMatchObject({ action: "restart-docker", result: "ok" });
  });

  it("with repair off, only observes", async () => {
    const { loop } = await loopFor(world, { health: { repair: false } });
    stopUnit(world.host, "docker");
    const status = await loop.pass(never);
    expect(status.repairs).toEqual([]);
    expect(world.host.unitState("docker").active).toBe(false);
  });
});
