import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("register with a just-in-time activation", () => {
  it("converges the cloud side, runs the verified script once and proves the registration", async () => {
    const run = await world.register(["--output", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.outcome).toBe("registered");
    expect(report.containerInstanceArn).toMatch(
      /^arn:aws:ecs:eu-west-1:123456789012:container-instance\/edge\/[0-9a-f]{32}$/,
    );
    expect(report.managedInstanceId).toMatch(/^mi-[0-9a-f]{17}$/);
    expect(world.scriptRuns()).toBe(1);
    // The activation the agent created is gone once registration is verified.
    expect(Object.keys(world.emu.state.activations)).toEqual([]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(
      "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true\n",
    );
  });
});
