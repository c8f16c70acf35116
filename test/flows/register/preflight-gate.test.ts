import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failureOf, startWorld, type World } from "./harness.ts";
import { snapshotTree } from "./inspect.ts";

/** The agent's own bookkeeping (lock directory, state.json with the failed phase); nothing else may change. */
const AGENT_DIR = "var/lib/ecs-anywhere-agent";

let world: World;
beforeEach(async () => {
  world = await startWorld();
  // Not a systemd host (a container, WSL, ...).
  rmSync(world.host.path("/run/systemd/system"), { recursive: true, force: true });
});
afterEach(() => world.stop());

const actions = () => world.emu.calls().map((call) => call.action);

describe("register on a host that fails a preflight check", () => {
  it("stops with exit 1 naming the systemd check: no script, no activation, no host change", async () => {
    const before = snapshotTree(world.host.root);
    const run = await world.register();
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const { error, fix } = failureOf(run);
    expect(error).toMatch(/^error: preflight failed: .*\bsystemd \(\/run\/systemd\/system does not exist/);
    expect(fix).toMatch(/systemd/);

    expect(world.scriptRuns()).toBe(0);
    // Preflight may probe the script's URL (HEAD); nothing was downloaded.
    expect(world.server.requests().filter((request) => !request.startsWith("HEAD "))).toEqual([]);
    expect(actions()).not.toContain("CreateActivation");
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.emu.state.activations).toEqual({});
    expect(world.host.systemctlCalls()).toEqual([]);
    // Nothing on the host changed; the only new entries are the agent's own bookkeeping: its directory (where
    // the lock lived) and state.json journaling the failed preflight. No script was saved, no config written.
    const after = snapshotTree(world.host.root);
    const changed = Object.keys(after).filter((path) => after[path] !== before[path]);
    expect(Object.keys(before).filter((path) => !(path in after))).toEqual([]);
    expect(changed.sort()).toEqual(
      ["var/lib", AGENT_DIR, `${AGENT_DIR}/state.json`].filter((p) => p in after),
    );
    expect(after[AGENT_DIR]).toBe("dir 0700");
    const state = JSON.parse(world.host.readFile(`/${AGENT_DIR}/state.json`));
    expect(state.journal.map((entry: { step: string }) => entry.step)).toEqual(["preflight"]);
    expect(state.journal.at(-1)).toMatchObject({ step: "preflight", status: "failed" });
    expect(state.journal.at(-1).detail).toMatch(/systemd/);
    expect(state.pendingActivationId).toBeUndefined();
    expect(state.containerInstanceArn).toBeUndefined();
  });

  it("proceeds past preflight with --skip systemd (and then the install script itself refuses)", async () => {
    const run = await world.register(["--skip", "systemd"]);
    // The preflight gate is open: the activation is made and the script runs, which checks systemd on its own.
    expect(actions()).toContain("CreateActivation");
    expect(world.scriptRuns()).toBe(1);
    expect(run.code).toBe(1);
    expect(failureOf(run).error).toMatch(/^error: the install script failed with exit code 1: /);
    expect(world.host.readFile(logOf(world))).toContain(
      "The install script currently supports only systemd.",
    );
    // The just-in-time activation of the failed run did not outlive it.
    expect(world.emu.state.activations).toEqual({});
  });
});

function logOf(w: World): string {
  const runs = snapshotTree(w.host.root);
  const log = Object.keys(runs).find((path) => /^var\/log\/ecs-anywhere-agent\/install-.*\.log$/.test(path));
  if (log === undefined) throw new Error("no install log");
  return `/${log}`;
}
