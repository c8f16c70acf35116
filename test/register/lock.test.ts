import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectOnlyKeyWarning, failureOf, startWorld, type World } from "./harness.ts";

const LOCK = "/var/lib/ecs-anywhere-agent/lock";

let world: World;
let holder: ChildProcess | undefined;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  holder?.kill("SIGKILL");
  holder = undefined;
  await world.stop();
});

function writeLock(pid: number): string {
  const content = `${JSON.stringify({ pid, command: "deregister", since: "2026-01-02T03:04:05.000Z" })}\n`;
  world.host.writeFile(LOCK, content, 0o600);
  return content;
}

describe("register while another run holds the lock", () => {
  it("waits (on the fake clock) and fails with exit 1 naming the holder", async () => {
    holder = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = holder.pid as number;
    const content = writeLock(pid);
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
    writeLock(dead.pid as number);
    const run = await world.register(["--output", "json"]);
    expectOnlyKeyWarning(run.stderr);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).outcome).toBe("registered");
    expect(world.host.exists(LOCK)).toBe(false);
  });
});
