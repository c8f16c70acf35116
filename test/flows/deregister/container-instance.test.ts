import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsCallError } from "../../../src/errors.ts";
import { startWorld, type World } from "../register/harness.ts";
import { action, agentWithAws, type DeregisterJson, registered } from "./helpers.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const parse = (stdout: string) => JSON.parse(stdout) as DeregisterJson;

describe("deregistering the container instance", () => {
  it("passes --force to DeregisterContainerInstance only when asked", async () => {
    await registered(world);
    const forced: boolean[] = [];
    const run = agentWithAws(world, (ports) => ({
      ...ports,
      ecs: {
        ...ports.ecs,
        deregisterContainerInstance: (cluster, arn, force) => {
          forced.push(force);
          return ports.ecs.deregisterContainerInstance(cluster, arn, force);
        },
      },
    }));
    const result = await run(["deregister", "--force", "--output", "json"]);
    expect(result.code).toBe(0);
    expect(forced).toEqual([true]);
    expect(action(parse(result.stdout), "deregister-container-instance").summary).toContain("(--force)");
  });

  it("counts an instance ECS no longer knows as not-needed", async () => {
    const { arn } = await registered(world);
    // Someone else deregistered it between the look and the call: the emulator answers InvalidParameterException.
    const run = agentWithAws(world, (ports) => ({
      ...ports,
      ecs: {
        ...ports.ecs,
        deregisterContainerInstance: async (cluster, target, force) => {
          await ports.ecs.deregisterContainerInstance(cluster, target, force);
          await ports.ecs.deregisterContainerInstance(cluster, `${target}-gone`, force);
        },
      },
    }));
    const result = await run(["deregister", "--output", "json"]);
    expect(result.code).toBe(0);
    expect(action(parse(result.stdout), "deregister-container-instance")).toMatchObject({
      status: "ok",
      summary: `${arn} was already deregistered`,
    });
  });

  it("does not mistake a refusal for 'already gone': the instance is still there, the action fails", async () => {
    const { arn } = await registered(world);
    const run = agentWithAws(world, (ports) => ({
      ...ports,
      ecs: {
        ...ports.ecs,
        deregisterContainerInstance: async () => {
          throw new AwsCallError(
            { service: "ecs", action: "DeregisterContainerInstance", resource: arn },
            "ClientException",
            "ecs:DeregisterContainerInstance failed: ClientException: tasks are running",
          );
        },
      },
    }));
    const result = await run(["deregister", "--output", "json"]);
    expect(result.code).toBe(1);
    const failed = action(parse(result.stdout), "deregister-container-instance");
    expect(failed.status).toBe("failed");
    expect(failed.remediation).toMatch(/--drain.*--force/);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("ACTIVE");
  });
});
