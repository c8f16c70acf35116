import { afterEach, describe, expect, it } from "vitest";
import { fakeClock } from "../../support/clock.ts";
import { failureOf, startWorld, type World } from "./harness.ts";

// field notes §8.2: the ECS agent answers introspection before its control-plane session is up. The emulator and
// the agent share one fake clock, so waiting for agentConnected takes no real time.

let world: World;
afterEach(() => world.stop());

async function withAgentConnectingAfter(agentConnectDelayMs: number): Promise<World> {
  const clock = fakeClock(new Date());
  world = await startWorld({ clock, emulator: { now: () => clock.now(), agentConnectDelayMs } });
  return world;
}

describe("register's verify step and the control-plane session", () => {
  it("polls agentConnected until the agent connects, within --verify-timeout", async () => {
    await withAgentConnectingAfter(40_000);
    const run = await world.register(["--verify-timeout", "5m"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("control plane: ACTIVE and agent connected");
    expect(run.stderr).toMatch(
      /\[verify\] waiting for the ECS agent to connect to the control plane \(elapsed 0s\)/,
    );
  });

  it("fails when the agent has not connected by --verify-timeout, saying after how long", async () => {
    await withAgentConnectingAfter(3_600_000);
    const run = await world.register(["--verify-timeout", "2m"]);
    expect(run.code).toBe(1);
    const { error, fix } = failureOf(run);
    expect(error).toMatch(
      /the ECS agent of arn:aws:ecs:\S+ is not connected to the control plane \(still not after 2m\)$/,
    );
    expect(fix).toMatch(/--verify-timeout/);
  });
});
