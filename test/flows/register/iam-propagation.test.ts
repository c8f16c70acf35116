import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { expectJsonSuccess, REGION, startWorld, type World } from "./harness.ts";

// field notes §8.1: IAM is eventually consistent. The emulator and the agent share one fake clock, so the agent's
// backoff moves the emulator's time and no test sleeps for real.

let world: World;
afterEach(() => world.stop());

async function freshAccount(propagationDelayMs: number): Promise<World> {
  const clock = fakeClock(new Date());
  // No cluster yet: the account is new.
  world = await startWorld({ clock, emulator: { now: () => clock.now(), propagationDelayMs, clusters: [] } });
  return world;
}

const answers = (action: string) =>
  world.emu
    .calls()
    .filter((call) => call.action === action)
    .map((call) => call.errorCode ?? call.status);

describe("the first register on a fresh account, while IAM propagates", () => {
  it("setup waits out ECS's new service-linked role, and register then joins the cluster", async () => {
    await freshAccount(10_000);
    // register never creates the cluster: the operator's setup does, on the fresh account.
    const setup = await world.cloud(["setup", "--cluster", "edge"]);
    expect(setup.code, setup.stderr).toBe(0);
    const run = await world.register(["--output", "json"]);
    const report = expectJsonSuccess(run);
    expect(report.outcome).toBe("registered");
    const cluster = answers("CreateCluster");
    expect(cluster[0]).toBe("InvalidParameterException");
    expect(cluster.at(-1)).toBe(200);
    expect(cluster.length).toBeGreaterThan(2);
  });

  it("waits out a role SSM cannot see yet, saying so on stderr", async () => {
    await freshAccount(0);
    // The cluster exists already: the activation comes right after the role is created.
    const ecs = new ECSClient({
      region: REGION,
      endpoint: world.emu.url,
      credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    });
    await ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    ecs.destroy();
    world.emu.setDelays({ propagationDelayMs: 10_000 });
    const run = await world.register([]);
    expect(run.code, run.stderr).toBe(0);
    const activation = answers("CreateActivation");
    expect(activation[0]).toBe("ValidationException");
    expect(activation.at(-1)).toBe(200);
    expect(run.stderr).toContain("waiting for IAM role to propagate (attempt 1, elapsed 0s)");
    expect(Object.keys(world.emu.state.managedInstances)).toHaveLength(1);
  });
});
