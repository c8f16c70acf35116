import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContainerInstanceInfo } from "../../../src/adapters/aws/ports.ts";
import { OperationError } from "../../../src/errors.ts";
import { waitForDrain } from "../../../src/flows/deregister/drain.ts";
import { fakeClock } from "../../support/clock.ts";
import { startWorld, type World } from "../register/harness.ts";
import { ALWAYS, action, agentWithAws, type DeregisterJson, deregisterJson, registered } from "./helpers.ts";

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

  /** A deregister whose ECS reports one task that never stops while the instance counts. */
  function withStuckTask() {
    return agentWithAws(world, (ports) => ({
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
  }

  it("stops the destruction when tasks outlive --drain-timeout: nothing deregistered, stopped or removed (fake clock)", async () => {
    const { arn, mi } = await registered(world);
    const deregister = withStuckTask();
    const started = Date.now();
    const run = await deregister(["deregister", "--drain", "--drain-timeout", "30m", "--output", "json"]);
    expect(Date.now() - started).toBeLessThan(15_000); // 30 minutes of polling took no real half hour
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DeregisterJson;
    expect(report.ok).toBe(false);
    expect(action(report, "drain")).toMatchObject({
      status: "failed",
      summary: `1 task(s) still running or pending on ${arn} after 30m`,
    });
    expect(report.steps.filter((item) => item.status === "failed").map((item) => item.id)).toEqual(["drain"]);
    for (const name of ALWAYS) expect(action(report, name).status).toBe("skipped");
    expect(action(report, "deregister-container-instance")).toMatchObject({
      summary: "not run: the drain failed, so nothing is deregistered, stopped or removed",
      remediation: expect.stringContaining("ecs-anywhere-agent deregister --force"),
    });
    // Still a member everywhere: ECS (DRAINING, not INACTIVE), SSM, and the host.
    expect(world.emu.state.containerInstances[arn]?.status).toBe("DRAINING");
    expect(world.emu.mutatingCalls().map((call) => call.action)).not.toContain("DeregisterManagedInstance");
    expect(world.host.unitState("ecs").active).toBe(true);
    expect(world.host.exists("/var/lib/ecs/data/agent.db")).toBe(true);
    expect(world.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).toContain(mi);
    expect(world.host.ssmAgentCalls()).not.toContain("-register -clear");
  });

  it("says so in text, with the command that finishes the job", async () => {
    await registered(world);
    const run = await withStuckTask()(["deregister", "--drain", "--drain-timeout", "1m"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/not run: the drain failed, so nothing is deregistered, stopped or removed/);
    expect(run.stdout).toMatch(/ecs-anywhere-agent deregister --force/);
  });

  it("with --force, a failed drain does not stop the deregistration", async () => {
    const { arn } = await registered(world);
    const run = await withStuckTask()([
      "deregister",
      "--drain",
      "--drain-timeout",
      "1m",
      "--force",
      "--output",
      "json",
    ]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DeregisterJson;
    expect(report.steps.filter((item) => item.status === "failed").map((item) => item.id)).toEqual(["drain"]);
    expect(action(report, "deregister-container-instance").status).toBe("changed");
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
  });
});
