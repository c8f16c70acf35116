import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContainerInstanceInfo } from "../../../src/adapters/aws/ports.ts";
import { OperationError } from "../../../src/errors.ts";
import { waitForDrain } from "../../../src/flows/deregister/drain.ts";
import { fakeClock } from "../../support/clock.ts";
import { startWorld, type World } from "../register/harness.ts";
import { action, agentWithAws, type DeregisterJson, deregisterJson, registered } from "./helpers.ts";

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";

/** An ECS that reports the given task counts, one per DescribeContainerInstances call (the last repeats). */
function ecsReporting(counts: number[]) {
  let calls = 0;
  return {
    calls: () => calls,
    describeContainerInstances: async (): Promise<ContainerInstanceInfo[]> => {
      const running = counts[Math.min(calls++, counts.length - 1)] ?? 0;
      return [
        {
          arn: ARN,
          status: "DRAINING",
          agentConnected: true,
          runningTasksCount: running,
          pendingTasksCount: 0,
        },
      ];
    },
  };
}

describe("waiting for a DRAINING instance", () => {
  it("polls through the clock port until no task is left, without sleeping for real", async () => {
    const clock = fakeClock();
    const ecs = ecsReporting([3, 1, 0]);
    const started = Date.now();
    const waited = await waitForDrain("edge", ARN, { ecs, clock, timeoutMs: 600_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(waited).toBe(2_000 + 4_000); // backoff 2 s, then 4 s
    expect(ecs.calls()).toBe(3);
  });

  it("waits a round before asking again when the caller just described the tasks", async () => {
    const clock = fakeClock();
    const ecs = ecsReporting([1, 0]);
    const waited = await waitForDrain("edge", ARN, { ecs, clock, timeoutMs: 600_000, tasksLeft: 3 });
    expect(waited).toBe(2_000 + 4_000);
    expect(ecs.calls()).toBe(2);
  });

  it("gives up at the drain timeout with the number of tasks left and what to do", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const error = await waitForDrain("edge", ARN, {
      ecs: ecsReporting([2]),
      clock,
      timeoutMs: 600_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toBe(`2 task(s) still running or pending on ${ARN} after 10m`);
    expect((error as OperationError).remediation).toMatch(/--drain-timeout/);
    expect(clock.now().getTime() - start).toBe(600_000);
  });
});

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
