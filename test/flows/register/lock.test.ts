import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  expectJsonSuccess,
  failureOf,
  holdLock,
  LOCK,
  startWorld,
  type World,
  writeLock,
} from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("register while another run holds the lock", () => {
  it("waits (on the fake clock) and fails with exit 1 naming the holder", async () => {
    const { pid, content } = holdLock(world, "deregister");
    const started = Date.now();
    const run = await world.register();
    expect(Date.now() - started).toBeLessThan(5_000); // the 60 s bounded wait took no real time
    expect(run.code).toBe(1);
    const { error, fix } = failureOf(run);
    expect(error).toContain(
      `another ecs-anywhere-agent deregister (pid ${pid}, since 2026-01-02T03:04:05.000Z)`,
    );
    expect(error).toContain(world.host.path(LOCK));
    expect(fix).toMatch(/--lock-timeout/);
    // The holder's lock is untouched and nothing else happened.
    expect(world.host.readFile(LOCK)).toBe(content);
    expect(world.scriptRuns()).toBe(0);
    expect(world.emu.calls()).toEqual([]);
  });
});

describe("register finding a lock left by a dead process", () => {
  it("takes the stale lock over, registers and releases it", async () => {
    const dead = spawn("true", { stdio: "ignore" });
    await once(dead, "exit");
    writeLock(world, dead.pid as number, "deregister");
    const run = await world.register(["--output", "json"]);
    expect(expectJsonSuccess(run).outcome).toBe("registered");
    expect(world.host.exists(LOCK)).toBe(false);
  });
});
