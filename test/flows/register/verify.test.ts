import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
  const first = await world.register();
  if (first.code !== 0) throw new Error(`the first registration failed: ${first.stderr}`);
});
afterAll(() => world.stop());

describe("register when the ECS agent starts but never registers", () => {
  it("fails with exit 1 saying the agent runs without a container instance, after --verify-timeout on the fake clock", async () => {
    // SSM and ecs-init are installed, ecs is stopped: register starts it, and the agent never registers.
    const stop = await world.host.run("systemctl", ["stop", "ecs"]);
    expect(stop.code).toBe(0);
    const started = Date.now();
    const run = await world.register(["--verify-timeout", "30s"], { FAKE_ECS_NO_REGISTER: "1" });
    expect(Date.now() - started).toBeLessThan(10_000); // 30 s of polling took no real time
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const { error, fix } = failureOf(run);
    expect(error).toBe(
      "error: timed out after 30s: the ECS agent is running but has no container instance ARN: it has not registered yet",
    );
    expect(fix).toMatch(/ecs-agent\.log/);
    expect(world.host.introspection()?.ContainerInstanceArn).toBeNull();
    expect(world.host.systemctlCalls().slice(-3)).toContain("start ecs");
    expect(world.scriptRuns()).toBe(1);
    const state = JSON.parse(world.host.readFile("/var/lib/ecs-anywhere-agent/state.json"));
    expect(state.journal.at(-1)).toMatchObject({ step: "verify", status: "failed" });
  });
});
