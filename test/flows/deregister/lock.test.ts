import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdLock, LOCK, startWorld, type World } from "../register/harness.ts";
import { registered } from "./helpers.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("deregister and the lock register takes", () => {
  it("waits (on the fake clock) for a live holder, then fails naming it and changes nothing", async () => {
    const { arn } = await registered(world);
    world.emu.clearCalls();
    const { pid, content } = holdLock(world, "register");

    const run = await world.agent(["deregister", "--lock-timeout", "2m"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`another ecs-anywhere-agent register (pid ${pid}`);
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
