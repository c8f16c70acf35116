import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectJsonSuccess, phaseOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

describe("register after deregister without --purge (ecs-init stays installed)", () => {
  it("registers again: the script registers SSM, the agent enables and starts the SSM agent and ecs", async () => {
    const first = expectJsonSuccess(await world.register(["--output", "json"]));
    const deregistered = await world.agent(["deregister", "--output", "json"]);
    expect(deregistered.code, deregistered.stdout).toBe(0);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);
    expect(world.host.unitState("ecs").active).toBe(false);

    const before = world.host.systemctlCalls().length;
    const again = expectJsonSuccess(await world.register(["--output", "json"]));
    expect(again.outcome).toBe("registered");
    expect(again.containerInstanceArn).not.toBe(first.containerInstanceArn);
    expect(again.managedInstanceId).not.toBe(first.managedInstanceId);
    expect(world.host.installScriptRuns().at(-1)).toContain("--no-start");
    expect(phaseOf(again, "run-script").summary).toMatch(/enabled and started amazon-ssm-agent and ecs/);
    // Durations in the one style (1m5s, 2s), never a decimal count of seconds.
    expect(phaseOf(again, "run-script").summary).toMatch(/^ran the install script in (\d+[hms])+; /);
    const calls = world.host.systemctlCalls().slice(before);
    expect(calls).toEqual(expect.arrayContaining(["enable ecs", "start ecs", "start amazon-ssm-agent"]));
    expect(world.host.unitState("ecs")).toMatchObject({ active: true, enabled: true });
    expect(world.host.unitState("amazon-ssm-agent")).toMatchObject({ active: true, enabled: true });
    expect(world.emu.state.containerInstances[again.containerInstanceArn]?.status).toBe("ACTIVE");
  });
});
