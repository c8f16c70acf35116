import { readdirSync, rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  expectJsonSuccess,
  LOCK,
  spawnAgent,
  startWorld,
  type World,
  waitFor,
} from "./harness.ts";
import { processesOfRoot } from "./inspect.ts";

const STATE = "/var/lib/ecs-anywhere-agent/state.json";

let world: World;
let agent: AgentProcess | undefined;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
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

function spawnRegister(env: Record<string, string>, args: string[] = []): AgentProcess {
  return spawnAgent(
    [
      ...world.registerArgs(["--skip", "preflight", "--log-level", "info", ...args]),
      "--root",
      world.host.root,
      "--ecs-agent-url",
      world.host.introspectionUrl,
    ],
    { ...world.env, HOME: world.scratch, ...env },
  );
}

/** The last journal entry of state.json. */
function lastJournalEntry(): { step: string; status: string } {
  return JSON.parse(world.host.readFile(STATE)).journal.at(-1);
}

/** What every cancelled run must leave: no process, no lock, no activation, a journal that says where. */
async function expectCancelledCleanly(step: string): Promise<void> {
  await waitFor("every process of the fake host to be gone", () =>
    processesOfRoot(world.host.root).length === 0 ? true : undefined,
  );
  expect(world.host.exists(LOCK)).toBe(false);
  expect(lastJournalEntry()).toMatchObject({ step, status: "cancelled" });
  expect(world.emu.state.activations).toEqual({});
}

describe("register cancelled by a signal", () => {
  it("SIGTERM during the install script: its process group is killed, the log written, exit 143", async () => {
    agent = spawnRegister({ FAKE_INSTALL_SLEEP: "30" });
    const sleeper = await waitFor("the install script's sleep", () =>
      processesOfRoot(world.host.root).find((p) => p.args === "sleep 30"),
    );
    // The script runs in its own process group, so a signal to the agent alone would leave it running.
    expect(sleeper.pgid).not.toBe(agent.child.pid);
    agent.child.kill("SIGTERM");
    const done = await agent.done;
    expect(done.code, done.stderr).toBe(143);
    expect(done.stderr).toMatch(/^cancelled: cancelled at run-script/m);
    // What it had done before: the step table and one line naming the applied steps.
    expect(done.stderr).toMatch(/^CANCELLED run-script: /m);
    expect(done.stderr).toMatch(
      /^cancelled at run-script; applied before it: activation, ecs-config, install-script$/m,
    );
    await expectCancelledCleanly("run-script");
    const logs = readdirSync(world.host.path("/var/log/ecs-anywhere-agent"));
    expect(logs.some((name) => name.startsWith("install-"))).toBe(true);

    const rerun = expectJsonSuccess(await world.register(["--output", "json"]));
    expect(rerun.outcome).toBe("registered");
    expect(world.emu.state.activations).toEqual({});
  });

  it("SIGINT while verify waits for the agent: exit 130, and a re-run converges once the agent registers", async () => {
    // A host whose agent was stopped and reset: SSM and ecs-init stay, so register only starts ecs, and this
    // agent runs without registering, so verify waits.
    expectJsonSuccess(await world.register(["--output", "json"]));
    expect((await world.host.run("systemctl", ["stop", "ecs"])).code).toBe(0);
    rmSync(world.host.path("/var/lib/ecs/data/agent.db"));
    agent = spawnRegister({ FAKE_ECS_NO_REGISTER: "1" }, ["--verify-timeout", "5m"]);
    await waitFor("the verify step", () =>
      /"step":"normalize-config","status"/.test(currentStderr(agent)) ? true : undefined,
    );
    agent.child.kill("SIGINT");
    const done = await agent.done;
    expect(done.code, done.stderr).toBe(130);
    expect(done.stderr).toMatch(/^cancelled: cancelled at verify/m);
    await expectCancelledCleanly("verify");

    // The agent that would not register restarts (as after a reboot) and registers; register then agrees.
    expect((await world.host.run("systemctl", ["restart", "ecs"])).code).toBe(0);
    const rerun = expectJsonSuccess(await world.register(["--output", "json"]));
    expect(rerun.outcome).toBe("already-registered");
  });
});

const stderrOf = new WeakMap<AgentProcess, string>();
function currentStderr(process: AgentProcess | undefined): string {
  if (process === undefined) return "";
  if (!stderrOf.has(process)) {
    stderrOf.set(process, "");
    process.child.stderr?.on("data", (chunk: Buffer) => {
      stderrOf.set(process, (stderrOf.get(process) ?? "") + chunk.toString("utf8"));
    });
  }
  return stderrOf.get(process) ?? "";
}
