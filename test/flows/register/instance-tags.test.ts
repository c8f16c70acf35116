import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectJsonSuccess, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("container instance tags and attributes", () => {
  it("reach the first registration, because ecs.config is written before the install script starts the agent", async () => {
    const config = await world.operatorFile(
      "tags.yaml",
      "host:\n  instanceTags: { Site: lab, Rack: r12 }\n  instanceAttributes: { gpu: none }\n",
    );
    const run = await world.register(["--config", config, "--output", "json"]);
    const report = expectJsonSuccess(run);
    // The fake agent sends ECS_CONTAINER_INSTANCE_TAGS as it finds it when it first registers (field notes §3).
    expect(world.emu.state.containerInstances[report.containerInstanceArn]?.tags).toEqual({
      Rack: "r12",
      Site: "lab",
    });
    const ecsConfig = world.host.readFile("/etc/ecs/ecs.config");
    expect(ecsConfig).toContain('ECS_CONTAINER_INSTANCE_TAGS={"Rack":"r12","Site":"lab"}\n');
    expect(ecsConfig).toContain('ECS_INSTANCE_ATTRIBUTES={"gpu":"none"}\n');
    // Phase order as recorded: the file was written before the script ran.
    const phases = report.steps.map((step: { id: string; status: string }) => `${step.id}:${step.status}`);
    expect(phases.indexOf("ecs-config:changed")).toBeLessThan(phases.indexOf("run-script:changed"));
  });
});
