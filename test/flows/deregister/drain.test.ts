import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { ALWAYS, action, agentWithAws, type DeregisterJson, deregisterJson, registered } from "./helpers.ts";

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
