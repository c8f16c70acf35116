import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectGolden } from "../../support/golden.ts";
import { CLUSTER, startWorld, type World } from "./harness.ts";
import { modeOf, snapshotTree } from "./inspect.ts";

// What an operator (or an earlier, hand-made install) left: comments, quotes, duplicates and keys of their own.
const SEEDED = `# Managed by the platform team
#ECS_LOGLEVEL=debug
ECS_CLUSTER=default
ECS_IMAGE_PULL_BEHAVIOR="prefer-cached"
ECS_RESERVED_MEMORY=128
ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
ECS_RESERVED_MEMORY=256
ECS_CONTAINER_STOP_TIMEOUT='45s'
`;

const CONFIG = `host:
  instanceTags:
    team: payments
ecsConfig:
  ECS_ENABLE_PROMETHEUS_METRICS: "true"
`;

let world: World;
beforeEach(async () => {
  world = await startWorld();
  world.host.writeFile("/etc/ecs/ecs.config", SEEDED, 0o644);
});
afterEach(() => world.stop());

/** ecs-init's reading of a file (field notes §3.2): first `=`, no comments, no quotes, last duplicate wins. */
function lines(text: string): [string, string][] {
  return text
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]);
}

describe("register writes /etc/ecs/ecs.config", () => {
  it("keeps the user's keys, normalises comments and quotes, collapses duplicates, mode 0600", async () => {
    const config = await world.operatorFile("config.yaml", CONFIG);
    const run = await world.register(["--config", config]);
    expect(run.code).toBe(0);
    const text = world.host.readFile("/etc/ecs/ecs.config");
    const entries = lines(text);
    const keys = entries.map(([key]) => key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((key) => key.startsWith("#"))).toEqual([]);
    expect(entries.filter(([, value]) => /^["']|["']$/.test(value))).toEqual([]);
    expect(Object.fromEntries(entries)).toMatchObject({
      ECS_CLUSTER: CLUSTER,
      AWS_DEFAULT_REGION: "eu-west-1",
      ECS_IMAGE_PULL_BEHAVIOR: "prefer-cached",
      ECS_RESERVED_MEMORY: "256",
      ECS_ENABLE_SPOT_INSTANCE_DRAINING: "true",
      ECS_CONTAINER_STOP_TIMEOUT: "45s",
      ECS_CONTAINER_INSTANCE_TAGS: '{"team":"payments"}',
      ECS_ENABLE_PROMETHEUS_METRICS: "true",
    });
    expect(modeOf(world.host.path("/etc/ecs/ecs.config"))).toBe("0600");
    expectGolden("register/etc-ecs-ecs.config", text);
    // The install script appended to the other file; it is normalised too (field notes §1, §3).
    expectGolden("register/var-lib-ecs-ecs.config", world.host.readFile("/var/lib/ecs/ecs.config"));
    // The agent registered with what the file says.
    expect(world.host.introspection()?.Cluster).toBe(CLUSTER);
  });

  it("refuses invalid JSON for the agent with exit 2 and writes nothing, runs nothing, calls nothing", async () => {
    const config = await world.operatorFile("bad.yaml", 'ecsConfig:\n  ECS_INSTANCE_ATTRIBUTES: "{bad"\n');
    const before = snapshotTree(world.host.root);
    const run = await world.register(["--config", config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \(input\): .*ECS_INSTANCE_ATTRIBUTES/m);
    expect(snapshotTree(world.host.root)).toEqual(before);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(SEEDED);
    expect(world.scriptRuns()).toBe(0);
    expect(world.emu.calls()).toEqual([]);
  });
});
