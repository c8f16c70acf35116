import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { CLUSTER, expectJsonSuccess, startWorld, type World } from "./harness.ts";

let world: World;
let first: CliResult;
beforeAll(async () => {
  world = await startWorld();
  first = await world.register(["--output", "json"]);
});
afterAll(() => world.stop());

describe("register on a host that is already registered and healthy", () => {
  it("reports already-registered, makes no mutating AWS call, runs no script and creates no activation", async () => {
    expect(first.code).toBe(0);
    const arn = JSON.parse(first.stdout).containerInstanceArn;
    const ecsConfig = world.host.readFile("/etc/ecs/ecs.config");
    world.emu.clearCalls();

    const again = await world.register(["--output", "json"]);
    const report = expectJsonSuccess(again);
    expect(report.outcome).toBe("already-registered");
    expect(report.containerInstanceArn).toBe(arn);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.emu.calls().map((call) => call.action)).not.toContain("CreateActivation");
    expect(Object.keys(world.emu.state.activations)).toEqual([]);
    expect(world.scriptRuns()).toBe(1);
    expect(Object.keys(world.emu.state.containerInstances)).toEqual([arn]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(ecsConfig);
  });

  it("says so in text, naming the container instance and the cluster", async () => {
    world.emu.clearCalls();
    const again = await world.register();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^Already registered: container instance arn:aws:ecs:\\S+ in cluster ${CLUSTER}; nothing to do\\.`,
      ),
    );
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.scriptRuns()).toBe(1);
  });
});
