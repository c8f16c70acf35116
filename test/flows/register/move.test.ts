import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER, expectJsonSuccess, failureOf, startWorld, type World } from "./harness.ts";
import { snapshotTree } from "./inspect.ts";

const OTHER = "other";

let world: World;
let firstArn: string;
beforeAll(async () => {
  world = await startWorld();
  const first = await world.register(["--output", "json"]);
  if (first.code !== 0) throw new Error(`the first registration failed: ${first.stderr}`);
  firstArn = JSON.parse(first.stdout).containerInstanceArn;
  // The operator creates the target cluster (the fake ECS agent, unlike the real one, does not).
  const setup = await world.cloud(["setup", "--cluster", OTHER]);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
});
afterAll(() => world.stop());

const agentDb = () => JSON.parse(world.host.readFile("/var/lib/ecs/data/agent.db"));
const clusterArn = (name: string) => `arn:aws:ecs:eu-west-1:123456789012:cluster/${name}`;

describe("register --cluster on a host registered to another cluster", () => {
  it("refuses without --move, naming both clusters and --move, and changes nothing", async () => {
    world.emu.clearCalls();
    const before = snapshotTree(world.host.root);
    const run = await world.register(["--cluster", OTHER]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const { error, fix } = failureOf(run);
    expect(error).toMatch(new RegExp(`^error: .*registered to cluster ${CLUSTER}.*${OTHER}`));
    expect(`${error} ${fix}`).toContain("--move");
    expect(snapshotTree(world.host.root)).toEqual(before);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.scriptRuns()).toBe(1);
    expect(world.emu.state.containerInstances[firstArn]?.status).toBe("ACTIVE");
  });

  it("with --move deregisters the old instance, resets agent.db and registers in the new cluster", async () => {
    expect(agentDb().cluster).toBe(CLUSTER);
    const run = await world.register(["--cluster", OTHER, "--move", "--output", "json"]);
    const report = expectJsonSuccess(run);
    expect(report.outcome).toBe("moved");
    expect(report.cluster).toBe(OTHER);

    const instances = world.emu.state.containerInstances;
    expect(instances[firstArn]?.status).toBe("INACTIVE");
    const newArn = report.containerInstanceArn as string;
    expect(newArn).not.toBe(firstArn);
    expect(instances[newArn]).toMatchObject({ status: "ACTIVE", clusterArn: clusterArn(OTHER) });
    // The old agent.db was removed before ecs started again: it now records only the new registration.
    expect(agentDb()).toMatchObject({ cluster: OTHER, containerInstanceArn: newArn });
    expect(world.host.readFile("/etc/ecs/ecs.config")).toMatch(/^ECS_CLUSTER=other$/m);
    expect(world.host.readFile("/etc/ecs/ecs.config")).not.toMatch(/^ECS_CLUSTER=edge$/m);
    expect(world.host.introspection()).toMatchObject({ ContainerInstanceArn: newArn });
    expect(world.host.unitState("ecs")).toMatchObject({ active: true });
    // A move keeps the SSM registration: no new activation, no second install.
    expect(world.scriptRuns()).toBe(1);
    expect(Object.keys(world.emu.state.managedInstances)).toHaveLength(1);
  });
});
