import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PURGE_FOLDERS } from "../../../src/flows/deregister/purge.ts";
import { cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { LOCK, startWorld, type World } from "../register/harness.ts";
import { ALWAYS, action, deregisterJson, registered, statuses } from "./helpers.ts";

const ROCKY_9 = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
`;

const SSM_JSON = "/etc/amazon/ssm/amazon-ssm-agent.json";
const SSM_ENDPOINT = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";
const OPERATOR_FILE = '{\n  "Profile": { "ShareCreds": true }\n}\n';

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const packageCalls = () =>
  world.host.exists("/.fake/packages.log")
    ? world.host.readFile("/.fake/packages.log").trim().split("\n")
    : [];
const removals = () => packageCalls().filter((line) => / (remove|purge|erase) /.test(line));

describe("deregister --purge", () => {
  it("on Ubuntu removes both packages with apt-get and every folder they leave", async () => {
    await registered(world);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);

    const { run, report } = await deregisterJson(world, ["--purge"]);

    expect(run.code, JSON.stringify(report)).toBe(0);
    expect(statuses(report)).toEqual([
      ...ALWAYS.map((name) => [name, "changed"]),
      ["purge", "changed"],
      ["state", "ok"],
    ]);
    expect(removals()).toEqual(["apt-get remove -y amazon-ecs-init amazon-ssm-agent"]);
    for (const folder of PURGE_FOLDERS) expect(world.host.exists(folder), folder).toBe(false);
    expect(world.host.exists("/usr/bin/amazon-ssm-agent")).toBe(false);
    for (const unit of ["ecs", "amazon-ssm-agent"]) {
      expect(world.host.unitState(unit)).toMatchObject({ active: false, enabled: false });
    }
    expect(world.host.systemctlCalls()).toEqual(
      expect.arrayContaining(["disable ecs", "disable amazon-ssm-agent"]),
    );
  });

  it("keeps this run's lock in the agent's folder until the report is out, then removes the folder", async () => {
    await registered(world);
    let lockHeldAtReport: boolean | undefined;
    const run = await cli(
      ["deregister", "--purge", "--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl],
      world.env,
      {
        clock: fakeClock(new Date()),
        host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
        stdout: () => {
          lockHeldAtReport = world.host.exists(LOCK);
        },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(lockHeldAtReport).toBe(true);
    expect(world.host.exists("/var/lib/ecs-anywhere-agent")).toBe(false);
  });

  it("is not-needed the second time: nothing is removed again", async () => {
    await registered(world);
    expect((await deregisterJson(world, ["--purge"])).run.code).toBe(0);
    world.emu.clearCalls();

    const { run, report } = await deregisterJson(world, ["--purge"]);

    expect(run.code).toBe(0);
    expect(statuses(report)).toEqual([...ALWAYS, "purge", "state"].map((name) => [name, "ok"]));
    expect(removals()).toHaveLength(1);
    expect(world.emu.mutatingCalls()).toEqual([]);
  });

  it("takes out of the SSM agent's file exactly the endpoint keys register set: planned in --dry-run, then done", async () => {
    world.host.writeFile(SSM_JSON, OPERATOR_FILE, 0o640);
    const config = await world.operatorFile("config.yaml", `endpoints:\n  ssm: ${SSM_ENDPOINT}\n`);
    expect((await world.register(["--config", config])).code).toBe(0);
    expect(JSON.parse(world.host.readFile(SSM_JSON)).Ssm).toEqual({ Endpoint: SSM_ENDPOINT });

    const dry = await deregisterJson(world, ["--purge", "--dry-run"]);
    expect(dry.run.code).toBe(0);
    expect(action(dry.report, "purge")).toMatchObject({
      status: "planned",
      summary: expect.stringContaining(`remove the endpoint keys register set from ${SSM_JSON}`),
    });
    expect(JSON.parse(world.host.readFile(SSM_JSON)).Ssm).toEqual({ Endpoint: SSM_ENDPOINT });

    expect((await deregisterJson(world, ["--purge"])).run.code).toBe(0);
    expect(world.host.readFile(SSM_JSON)).toBe(`${JSON.stringify(JSON.parse(OPERATOR_FILE), null, 2)}\n`);

    const again = await deregisterJson(world, ["--purge"]);
    expect(action(again.report, "purge")).toMatchObject({ status: "ok", summary: "nothing left to purge" });
  });

  it("on Rocky Linux removes the packages with dnf", async () => {
    await registered(world);
    world.host.writeFile("/etc/os-release", ROCKY_9);

    const { run } = await deregisterJson(world, ["--purge"]);

    expect(run.code).toBe(0);
    expect(removals()).toEqual(["dnf remove -y amazon-ecs-init amazon-ssm-agent"]);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(false);
  });
});
