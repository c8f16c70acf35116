import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { action, agentWithAws, type DeregisterJson, deregisterJson, registered } from "./helpers.ts";

describe("deregister --drain", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.stop());

  it("sets DRAINING before deregistering (emulator call order)", async () => {
    await registered(world);
    world.emu.clearCalls();
    const { run, report } = await deregisterJson(world, ["--drain"]);
    expect(run.code).toBe(0);
    expect(report.steps[0]).toMatchObject({ id: "drain", status: "changed" });
    const mutating = world.emu.mutatingCalls().map((call) => `${call.service}:${call.action}`);
    expect(mutating).toEqual([
      "ecs:UpdateContainerInstancesState",
      "ecs:DeregisterContainerInstance",
      "ssm:DeregisterManagedInstance",
    ]);
  });

  it("fails only the drain when tasks outlive --drain-timeout; the rest still runs (fake clock)", async () => {
    const { arn } = await registered(world);
    const deregister = agentWithAws(world, (ports) => ({
      ...ports,
      ecs: {
        ...ports.ecs,
        // The emulator runs no tasks: this ECS reports one that never stops while the instance counts.
        async describeContainerInstances(cluster, arns) {
          const found = await ports.ecs.describeContainerInstances(cluster, arns);
          return found.map((instance) =>
            instance.status === "INACTIVE" ? instance : { ...instance, runningTasksCount: 1 },
          );
        },
      },
    }));
    const started = Date.now();
    const run = await deregister(["deregister", "--drain", "--drain-timeout", "30m", "--output", "json"]);
    expect(Date.now() - started).toBeLessThan(15_000); // 30 minutes of polling took no real half hour
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DeregisterJson;
    expect(action(report, "drain")).toMatchObject({
      status: "failed",
      summary: `1 task(s) still running or pending on ${arn} after 30m`,
    });
    expect(report.steps.filter((item) => item.status === "failed").map((item) => item.id)).toEqual(["drain"]);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
  });
});
