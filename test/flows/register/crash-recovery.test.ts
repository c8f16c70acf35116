import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  CLUSTER,
  expectJsonSuccess,
  LOCK,
  spawnAgent,
  startWorld,
  type World,
  waitFor,
} from "./harness.ts";
import { processAlive, processesOfRoot } from "./inspect.ts";

let world: World;
let agent: AgentProcess | undefined;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  // Whatever the outcome, leave no process of this world behind.
  agent?.child.kill("SIGKILL");
  for (const { pgid } of processesOfRoot(world.host.root)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await world.stop();
});

describe("register killed with SIGKILL in the middle of the install script", () => {
  it("leaves a stale lock, and a re-run takes it over and converges", async () => {
    const root = world.host.root;
    agent = spawnAgent(
      [
        ...world.registerArgs(["--skip", "preflight"]),
        "--root",
        root,
        "--ecs-agent-url",
        world.host.introspectionUrl,
      ],
      { ...world.env, HOME: world.scratch, FAKE_INSTALL_SLEEP: "30" },
    );
    const agentPid = agent.child.pid as number;
    // The script hangs in its child `sleep 30`: find the script's process group through /proc.
    const script = await waitFor("the install script's sleep", () =>
      processesOfRoot(root).find((p) => p.args === "sleep 30"),
    );
    const bash = processesOfRoot(root).find((p) => p.args.includes("ecs-anywhere-install.sh"));
    expect(bash?.pgid).toBe(script.pgid);
    expect(script.pgid).not.toBe(agentPid); // the script has its own group, apart from the agent

    process.kill(agentPid, "SIGKILL");
    process.kill(-script.pgid, "SIGKILL");
    const killed = await agent.done;
    expect(killed.signal).toBe("SIGKILL");
    await waitFor("every process of the fake host to be gone", () =>
      processesOfRoot(root).length === 0 ? true : undefined,
    );

    // What the crash left: a lock held by a dead pid, a script that ran once, no container instance.
    const lock = JSON.parse(world.host.readFile(LOCK));
    expect(lock).toMatchObject({ pid: agentPid, command: "register" });
    expect(processAlive(agentPid)).toBe(false);
    expect(world.scriptRuns()).toBe(1);
    expect(world.emu.state.containerInstances).toEqual({});
    // The killed run's single-use activation is still alive, and recorded for the next run to delete.
    const leftover = JSON.parse(
      world.host.readFile("/var/lib/ecs-anywhere-agent/state.json"),
    ).pendingActivationId;
    expect(Object.keys(world.emu.state.activations)).toEqual([leftover]);

    const rerun = await world.register(["--output", "json"]);
    const report = expectJsonSuccess(rerun);
    expect(report.outcome).toBe("registered");
    expect(world.emu.state.containerInstances[report.containerInstanceArn]).toMatchObject({
      status: "ACTIVE",
      clusterArn: `arn:aws:ecs:eu-west-1:123456789012:cluster/${CLUSTER}`,
    });
    expect(world.scriptRuns()).toBe(2);
    expect(world.emu.state.activations).toEqual({}); // the leftover and the re-run's own are both deleted
    expect(world.host.exists(LOCK)).toBe(false);
    expect(world.host.unitState("ecs")).toMatchObject({ active: true });
  });
});
