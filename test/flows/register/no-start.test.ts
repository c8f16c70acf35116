import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, expectJsonSuccess, phaseOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

type JournalEntry = { step: string; status: string; at: string };

describe("register with host.noStart: true", () => {
  it("installs without starting ecs: exit 0, outcome installed, --no-start passed, no verification wait", async () => {
    const config = await world.operatorFile("config.yaml", "host:\n  noStart: true\n");
    const started = Date.now();
    // A verify timeout of a day: had anything waited for it (on the fake clock), the journal would show it.
    const run = await world.register(["--config", config, "--verify-timeout", "24h", "--output", "json"]);
    expect(Date.now() - started).toBeLessThan(15_000);
    const report = expectJsonSuccess(run);
    expect(report.outcome).toBe("installed");
    expect(report.cluster).toBe(CLUSTER);
    expect(report.containerInstanceArn).toBeUndefined();
    const verify = phaseOf(report, "verify");
    expect(verify.status).toBe("ok");
    expect(verify.summary).toMatch(/noStart/);

    // The script ran once, with --no-start (the fixture logs the flag names it parsed).
    expect(world.host.installScriptRuns()).toEqual([
      "--region --cluster --activation-id --activation-code --no-start",
    ]);
    // ecs is installed and enabled, but nobody started it: no agent, no container instance.
    expect(world.host.unitState("ecs")).toMatchObject({ active: false, enabled: true });
    const calls = world.host.systemctlCalls();
    expect(calls).toContain("enable ecs");
    expect(calls.filter((call) => /^(start|restart) ecs$/.test(call))).toEqual([]);
    expect(world.host.introspection()).toBeUndefined();
    expect(world.emu.state.containerInstances).toEqual({});

    // Nothing waited: the fake clock (which only moves when something sleeps) did not move during the run.
    const state = JSON.parse(world.host.readFile("/var/lib/ecs-anywhere-agent/state.json"));
    const at = (phase: string) =>
      Date.parse((state.journal as JournalEntry[]).find((entry) => entry.step === phase)?.at ?? "");
    expect(at("verify") - at("preflight")).toBeLessThan(1000);
  });

  it("says in text how to finish the job", async () => {
    const config = await world.operatorFile("config.yaml", "host:\n  noStart: true\n");
    const run = await world.register(["--config", config]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Installed, not started \\(noStart\\): run \`systemctl start ecs\` .*cluster ${CLUSTER}\\.`,
      ),
    );
    expect(world.host.unitState("ecs").active).toBe(false);
  });

  it("a converged re-run with the same noStart config does not start ecs either", async () => {
    const config = await world.operatorFile("config.yaml", "host:\n  noStart: true\n");
    const first = await world.register(["--config", config]);
    expect(first.code).toBe(0);
    world.emu.clearCalls();
    const callsBefore = world.host.systemctlCalls().length;

    const again = await world.register(["--config", config, "--output", "json"]);
    expect(expectJsonSuccess(again).outcome).toBe("installed");
    const calls = world.host.systemctlCalls().slice(callsBefore);
    expect(calls.filter((call) => /^(start|restart) ecs$/.test(call))).toEqual([]);
    expect(world.host.unitState("ecs")).toMatchObject({ active: false, enabled: true });
    expect(world.host.introspection()).toBeUndefined();
    expect(world.emu.state.containerInstances).toEqual({});
    // SSM is registered and ecs-init installed: no second script run, no new activation.
    expect(world.scriptRuns()).toBe(1);
    expect(world.emu.calls().map((call) => call.action)).not.toContain("CreateActivation");
  });
});
