import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { action, deregisterJson, registered } from "./helpers.ts";

// field notes §8.4: ECS refuses to deregister an instance that still runs tasks unless `force` is set; the emulator
// plays the tasks (setRunningTasks) and the refusal.

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("deregistering an instance that still runs tasks", () => {
  it("without --force: ECS refuses, the instance stays, and the failure says to drain or force", async () => {
    const { arn } = await registered(world);
    world.emu.setRunningTasks(arn, 2);
    const { run, report } = await deregisterJson(world);
    expect(run.code).toBe(1);
    const failed = action(report, "deregister-container-instance");
    expect(failed.status).toBe("failed");
    expect(failed.summary).toMatch(/InvalidParameterException: .*tasks running/);
    expect(failed.remediation).toMatch(/--drain.*--force/);
    expect(world.emu.state.containerInstances[arn]).toMatchObject({ status: "ACTIVE", runningTasksCount: 2 });
  });

  it("with --force: ECS stops the tasks and deregisters the instance", async () => {
    const { arn } = await registered(world);
    world.emu.setRunningTasks(arn, 2);
    const { run, report } = await deregisterJson(world, ["--force"]);
    expect(run.code, run.stderr).toBe(0);
    expect(action(report, "deregister-container-instance").status).toBe("changed");
    expect(world.emu.state.containerInstances[arn]).toMatchObject({
      status: "INACTIVE",
      runningTasksCount: 0,
    });
  });
});
