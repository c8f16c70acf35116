import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOnlyKeyWarning, phaseOf, startWorld, type World } from "./harness.ts";

let world: World;
let arn: string;
beforeAll(async () => {
  world = await startWorld();
  const first = await world.register(["--output", "json"]);
  if (first.code !== 0) throw new Error(`the first registration failed: ${first.stderr}`);
  arn = JSON.parse(first.stdout).containerInstanceArn;
});
afterAll(() => world.stop());

/** The systemctl calls a step made (the fake's log grows by one line per call). */
async function systemctlCallsOf(step: () => Promise<void>): Promise<string[]> {
  const before = world.host.systemctlCalls().length;
  await step();
  return world.host.systemctlCalls().slice(before);
}

describe("the first register of a fresh host", () => {
  it("collapses the script's duplicate ECS_CLUSTER line without restarting ecs (same effective values)", () => {
    const calls = world.host.systemctlCalls();
    expect(calls).toContain("start ecs");
    expect(calls.filter((call) => /^(restart|stop) ecs$/.test(call))).toEqual([]);
    expect(world.host.readFile("/etc/ecs/ecs.config").match(/^ECS_CLUSTER=/gm)).toHaveLength(1);
  });
});

describe("register on a registered host whose managed ecs.config value changed", () => {
  it("starts from ECS_LOGLEVEL=info", () => {
    expect(world.host.readFile("/etc/ecs/ecs.config")).toMatch(/^ECS_LOGLEVEL=info$/m);
    expect(world.host.unitState("ecs").active).toBe(true);
  });

  it("writes the new value and restarts ecs, so the agent reads it", async () => {
    const config = await world.operatorFile("debug.yaml", "host:\n  ecsLogLevel: debug\n");
    let stdout = "";
    const calls = await systemctlCallsOf(async () => {
      const run = await world.register(["--config", config, "--output", "json"]);
      expectOnlyKeyWarning(run.stderr);
      expect(run.code).toBe(0);
      stdout = run.stdout;
    });
    const text = world.host.readFile("/etc/ecs/ecs.config");
    expect(text).toMatch(/^ECS_LOGLEVEL=debug$/m);
    expect(text).not.toMatch(/^ECS_LOGLEVEL=info$/m);
    expect(calls).toContain("restart ecs");
    expect(phaseOf(JSON.parse(stdout), "normalize-config").summary).toMatch(/restarted ecs/);
    // Same container instance: a restart with the same cluster reuses agent.db.
    expect(JSON.parse(stdout)).toMatchObject({ outcome: "already-registered", containerInstanceArn: arn });
    expect(world.host.unitState("ecs").active).toBe(true);
    expect(world.scriptRuns()).toBe(1);
  });

  it("does not restart ecs on a converged re-run with the same config", async () => {
    const config = await world.operatorFile("debug.yaml", "host:\n  ecsLogLevel: debug\n");
    const before = world.host.readFile("/etc/ecs/ecs.config");
    let stdout = "";
    const calls = await systemctlCallsOf(async () => {
      const run = await world.register(["--config", config, "--output", "json"]);
      expect(run.code).toBe(0);
      stdout = run.stdout;
    });
    expect(calls.filter((call) => /^(restart|start|stop) ecs$/.test(call))).toEqual([]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(before);
    expect(phaseOf(JSON.parse(stdout), "normalize-config").status).toBe("ok");
    expect(phaseOf(JSON.parse(stdout), "ecs-config").status).toBe("ok");
  });
});

describe("register on a registered host whose ecs.config only gained a duplicate line", () => {
  it("collapses it without restarting ecs: no value ecs-init reads changed", async () => {
    const before = world.host.readFile("/etc/ecs/ecs.config");
    const cluster = /^ECS_CLUSTER=.*$/m.exec(before)?.[0] ?? "";
    world.host.writeFile("/etc/ecs/ecs.config", `${before}${cluster}\n`, 0o600);
    const config = await world.operatorFile("debug.yaml", "host:\n  ecsLogLevel: debug\n");
    const calls = await systemctlCallsOf(async () => {
      const run = await world.register(["--config", config, "--output", "json"]);
      expect(run.code, run.stderr).toBe(0);
    });
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(before);
    expect(calls.filter((call) => /^(restart|start|stop) ecs$/.test(call))).toEqual([]);
  });
});
