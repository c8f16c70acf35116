import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../register/harness.ts";
import { snapshotTree } from "../register/inspect.ts";
import { ALWAYS, action, deregisterJson, registered, statuses } from "./helpers.ts";

const AGENT_DB = "/var/lib/ecs/data/agent.db";
const REGISTRATION_KEY = "/var/lib/amazon/ssm/Vault/Store/RegistrationKey";
const REGISTRATION = "/var/lib/amazon/ssm/registration";
const STATE = "/var/lib/ecs-anywhere-agent/state.json";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("deregister after register", () => {
  it("takes the host out of ECS and SSM, stops ecs, and removes agent.db and the SSM key", async () => {
    const { arn, mi } = await registered(world);
    const { run, report } = await deregisterJson(world);

    expect(run.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(statuses(report)).toEqual([...ALWAYS, "state"].map((name) => [name, "changed"]));
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
    expect(world.emu.state.managedInstances[mi]).toBeUndefined();
    expect(world.host.exists(AGENT_DB)).toBe(false);
    // field notes §8.6: -clear empties the key's fields; the file stays.
    expect(JSON.parse(world.host.readFile(REGISTRATION_KEY))).toMatchObject({
      instanceID: "",
      privateKey: "",
    });
    // field notes §4: -clear keeps the registration file (a re-run still knows the mi- id).
    expect(world.host.exists(REGISTRATION)).toBe(true);
    expect(world.host.unitState("ecs").active).toBe(false);
    expect(world.host.unitState("amazon-ssm-agent").active).toBe(false);
    expect(world.host.ssmAgentCalls()).toContain("-register -clear");

    const state = JSON.parse(world.host.readFile(STATE));
    expect(state.containerInstanceArn).toBeUndefined();
    expect(state.cluster).toBeUndefined();
    expect(state.managedInstanceId).toBeUndefined();
    expect(state.journal.map((entry: { step: string }) => entry.step)).toEqual(
      expect.arrayContaining(ALWAYS.map((name) => `deregister:${name}`)),
    );
  });

  it("prints one line per action in text mode", async () => {
    await registered(world);
    const run = await world.agent(["deregister"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines.map((line) => line.replace(/^CHANGED ([a-z-]+): .*$/, "$1"))).toEqual([...ALWAYS, "state"]);
  });
});

describe("deregister twice", () => {
  it("is a no-op success the second time, with zero mutating AWS calls", async () => {
    await registered(world);
    expect((await deregisterJson(world)).run.code).toBe(0);
    world.emu.clearCalls();
    const stateBefore = world.host.readFile(STATE);

    const { run, report } = await deregisterJson(world);

    expect(run.code).toBe(0);
    expect(statuses(report)).toEqual([...ALWAYS, "state"].map((name) => [name, "ok"]));
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.host.readFile(STATE)).toBe(stateBefore);
  });

  it("on a host that was never registered: everything is not-needed and AWS is not even asked", async () => {
    const { run, report } = await deregisterJson(world);
    expect(run.code).toBe(0);
    expect(statuses(report)).toEqual([...ALWAYS, "state"].map((name) => [name, "ok"]));
    expect(world.emu.calls()).toEqual([]);
  });
});

describe("a hand-edited state file", () => {
  it("counts only text fields: no AWS call for a number where the ARN should be, no failure", async () => {
    world.host.writeFile(
      STATE,
      JSON.stringify({ version: 1, cluster: 5, containerInstanceArn: 7, journal: "none", updatedAt: "x" }),
      0o600,
    );
    const { run, report } = await deregisterJson(world);
    expect(run.code, JSON.stringify(report)).toBe(0);
    expect(action(report, "deregister-container-instance").status).toBe("ok");
    expect(world.emu.calls()).toEqual([]);
  });
});

describe("deregister collects failures instead of stopping at the first", () => {
  it("names the denied permission, runs the local actions of what did deregister, keeps the SSM key, and exits 1", async () => {
    const { arn, mi } = await registered(world);
    world.emu.deny("ssm:DeregisterManagedInstance");

    const { run, report } = await deregisterJson(world);

    expect(run.code).toBe(1);
    expect(report.ok).toBe(false);
    expect(statuses(report)).toEqual([
      ["deregister-container-instance", "changed"],
      ["deregister-managed-instance", "failed"],
      ["stop-ecs", "changed"],
      ["remove-agent-state", "changed"],
      // the managed instance is still registered, so the host keeps its SSM registration.
      ["clear-ssm-registration", "skipped"],
      ["state", "changed"],
    ]);
    expect(world.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).toContain(mi);
    const failed = action(report, "deregister-managed-instance");
    expect(failed.summary).toContain("ssm:DeregisterManagedInstance");
    // The permission to grant is the fix, beside the message.
    expect(failed.remediation).toMatch(/grant ssm:DeregisterManagedInstance/);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
    expect(world.emu.state.managedInstances[mi]).toBeDefined();
    // What stays registered stays in the state file for the next run.
    expect(JSON.parse(world.host.readFile(STATE)).managedInstanceId).toBe(mi);

    world.emu.allow("ssm:DeregisterManagedInstance");
    const retry = await deregisterJson(world);
    expect(retry.run.code).toBe(0);
    expect(action(retry.report, "deregister-managed-instance").status).toBe("changed");
    expect(action(retry.report, "clear-ssm-registration").status).toBe("changed");
    expect(world.emu.state.managedInstances[mi]).toBeUndefined();
  });

  it("without AWS credentials fails the AWS actions with a remediation and keeps the host as it is", async () => {
    const { arn } = await registered(world);
    world.emu.clearCalls();
    const { run, report } = await deregisterJson(world, [], {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
    });

    expect(run.code).toBe(1);
    const ci = action(report, "deregister-container-instance");
    expect(ci).toMatchObject({ status: "failed" });
    expect(ci.summary).toContain(`no AWS credentials: container instance ${arn} stays registered`);
    expect(ci.remediation).toMatch(/--local-only/);
    expect(ci.remediation).toContain("aws ecs deregister-container-instance");
    expect(action(report, "deregister-managed-instance").status).toBe("failed");
    // what AWS still holds stays on the host (before: the host was reset regardless).
    expect(action(report, "remove-agent-state").status).toBe("skipped");
    expect(world.host.exists(AGENT_DB)).toBe(true);
    expect(world.emu.calls()).toEqual([]);
    expect(JSON.parse(world.host.readFile(STATE)).containerInstanceArn).toBe(arn);

    // --local-only resets the host on purpose: only the state file still knows the ARN, for a later run.
    expect((await deregisterJson(world, ["--local-only"])).run.code).toBe(0);
    expect(world.host.exists(AGENT_DB)).toBe(false);
    const later = await deregisterJson(world);
    expect(later.run.code).toBe(0);
    expect(action(later.report, "deregister-container-instance").summary).toContain("the state file");
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
  });

  it("with --local-only skips the AWS actions on purpose and exits 0", async () => {
    await registered(world);
    world.emu.clearCalls();
    const { run, report } = await deregisterJson(world, ["--local-only"]);
    expect(run.code).toBe(0);
    expect(action(report, "deregister-container-instance").status).toBe("skipped");
    expect(action(report, "deregister-managed-instance").status).toBe("skipped");
    expect(action(report, "stop-ecs").status).toBe("changed");
    expect(world.emu.calls()).toEqual([]);
  });
});

describe("the region of the AWS calls", () => {
  it("falls back to the region the host recorded when none is configured", async () => {
    const { arn, mi } = await registered(world);
    const { run } = await deregisterJson(world, [], {
      ECS_ANYWHERE_REGION: undefined,
      AWS_REGION: undefined,
    });
    expect(run.code).toBe(0);
    expect(world.emu.state.containerInstances[arn]?.status).toBe("INACTIVE");
    expect(world.emu.state.managedInstances[mi]).toBeUndefined();
  });

  it("refuses to look in another region than the host's (a wrong 'not found' would hide a registration)", async () => {
    await registered(world);
    world.emu.clearCalls();
    const { run, report } = await deregisterJson(world, ["--region", "us-east-1"]);
    expect(run.code).toBe(1);
    const ci = action(report, "deregister-container-instance");
    expect(ci).toMatchObject({ status: "failed", remediation: "re-run with --region eu-west-1" });
    expect(action(report, "deregister-managed-instance").status).toBe("failed");
    expect(world.emu.calls()).toEqual([]);
  });
});

describe("deregister --dry-run", () => {
  it("plans every action and changes nothing: no file, no unit, no lock, no mutating AWS call", async () => {
    await registered(world);
    world.emu.clearCalls();
    const before = snapshotTree(world.host.root);
    const systemctlBefore = world.host.systemctlCalls().length;

    const { run, report } = await deregisterJson(world, ["--dry-run", "--drain", "--purge"]);

    expect(run.code).toBe(0);
    expect(statuses(report)).toEqual(["drain", ...ALWAYS, "purge", "state"].map((name) => [name, "planned"]));
    expect(world.emu.mutatingCalls()).toEqual([]);
    const mutatingSystemctl = world.host
      .systemctlCalls()
      .slice(systemctlBefore)
      .filter((call) => !/^(is-active|is-enabled|show) /.test(call));
    expect(mutatingSystemctl).toEqual([]);
    const after = snapshotTree(world.host.root);
    // Only the fakes' own call logs grew (the agent asked systemctl and dpkg-query questions).
    const changed = Object.keys({ ...before, ...after }).filter((path) => before[path] !== after[path]);
    expect(changed.every((path) => path.startsWith(".fake/") && path.endsWith(".log"))).toBe(true);
  });
});

describe("deregister bad input", () => {
  it("rejects a --drain-timeout that is not a duration with exit 2 before touching anything", async () => {
    const run = await world.agent(["deregister", "--drain", "--drain-timeout", "soon"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--drain-timeout");
    expect(world.host.exists("/var/lib/ecs-anywhere-agent")).toBe(false);
  });
});
