import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { registered } from "./helpers.ts";

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

describe("deregister and the lock register takes", () => {
  it("waits (on the fake clock) for a live holder, then fails naming it and changes nothing", async () => {
    const { arn } = await registered(world);
    world.emu.clearCalls();
    holder = spawn("sleep", ["30"], { stdio: "ignore" });
    const content = `${JSON.stringify({ pid: holder.pid, command: "register", since: "2026-01-02T03:04:05.000Z" })}\n`;
    world.host.writeFile(LOCK, content, 0o600);

    const run = await world.agent(["deregister", "--lock-timeout", "2m"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`another ecs-anywhere-agent register (pid ${holder.pid}`);
    expect(world.host.readFile(LOCK)).toBe(content);
    expect(world.emu.calls()).toEqual([]);
    expect(world.host.unitState("ecs").active).toBe(true);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("ACTIVE");
  });

  it("releases the lock when it is done", async () => {
    await registered(world);
    expect((await world.agent(["deregister"])).code).toBe(0);
    expect(world.host.exists(LOCK)).toBe(false);
  });
});
