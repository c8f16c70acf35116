// The purge step against a host folder: the SSM agent's endpoint keys register merged in (field notes §10.10) go,
// exactly as recorded; the operator's keys and file stay.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import type { Systemd } from "../../../src/adapters/host/systemd.ts";
import type { HostContext } from "../../../src/app/host.ts";
import {
  applySsmAgentConfig,
  desiredSsmAgentKeys,
  ENDPOINT_RECORD,
  observeSsmAgentConfig,
  planSsmAgentConfig,
  readEndpointRecord,
} from "../../../src/components/ssm-agent/endpoint-config.ts";
import { runSteps } from "../../../src/engine/run.ts";
import { purgeAction } from "../../../src/flows/deregister/purge.ts";
import type { DeregisterContext } from "../../../src/flows/deregister/types.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { UBUNTU_22_04_OS_RELEASE } from "../../fixtures/host.ts";
import { fakeClock } from "../../support/clock.ts";
import { snapshotTree } from "../register/inspect.ts";

const SSM_JSON = "/etc/amazon/ssm/amazon-ssm-agent.json";
const SEELOG = "/etc/amazon/ssm/seelog.xml";
const REGION = "eu-west-1";
const SSM = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";
const MDS = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ec2messages.eu-west-1.vpce.amazonaws.com";
const OPERATOR_FILE = '{\n  "Mds": { "CommandWorkersLimit": 10 },\n  "Profile": { "ShareCreds": true }\n}\n';

let root: string;
let fs: HostFs;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "purge-endpoints-"));
  fs = new HostFs(root);
  await put("/etc/os-release", UBUNTU_22_04_OS_RELEASE, 0o644);
  // What the package leaves in the folder besides the file: purge removes it.
  await put(SEELOG, "<seelog/>\n", 0o644);
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(hostPath: string, text: string, mode: number): Promise<void> {
  await fs.mkdir(dirname(hostPath), 0o755);
  await fs.writeFileAtomic(hostPath, text, { mode });
}

/** A host with both units stopped and neither package installed: only the files are left to purge. */
function context(): DeregisterContext {
  const stopped = async () => false;
  const systemd = { isActive: stopped, isEnabled: stopped } as unknown as Systemd;
  const notInstalled = async (cmd: string, args: readonly string[]) => ({
    command: [cmd, ...args].join(" "),
    exitCode: 1,
    stdout: "",
    stderr: "",
    timedOut: false,
    durationMs: 1,
  });
  const host = { fs, systemd, run: notInstalled } as unknown as HostContext;
  return {
    input: { drain: false, drainTimeoutMs: 0, force: false, purge: true, dryRun: false },
    host,
    aws: { ready: false, status: "skipped", reason: "--local-only" },
    observed: { containerInstance: undefined, managedInstance: undefined, ssmUnit: "amazon-ssm-agent" },
    results: [],
  };
}

async function purge(dryRun = false) {
  const report = await runSteps([purgeAction], context(), {
    dryRun,
    signal: new AbortController().signal,
    clock: fakeClock(),
    redactor: new Redactor(),
    onFailure: "continue",
  });
  const [result] = report.steps;
  if (result === undefined) throw new Error("the purge step did not run");
  return result;
}

/** What register's endpoint-config step does with these endpoints: merges the keys and records them. */
async function registerMerges(endpoints: { ssm?: string; ec2messages?: string }): Promise<void> {
  const [observed, record] = await Promise.all([observeSsmAgentConfig(fs), readEndpointRecord(fs)]);
  const desired = desiredSsmAgentKeys(endpoints, REGION);
  const plan = planSsmAgentConfig(observed.text, desired, record.ssmAgent, record.ssmAgentCreated);
  await applySsmAgentConfig(fs, plan, observed, record);
}

const read = async (hostPath: string) => JSON.parse((await fs.readText(hostPath)) ?? "null");

describe("deregister --purge and the SSM agent's endpoint keys", () => {
  it("removes the file register created, with its folder, and has nothing to do the second time", async () => {
    await registerMerges({ ssm: SSM, ec2messages: MDS });
    expect((await readEndpointRecord(fs)).ssmAgentCreated).toBe(true);

    const first = await purge();

    expect(first.status).toBe("changed");
    expect(first.summary).toContain(
      `remove ${SSM_JSON} (only the endpoint keys register set were in it); remove `,
    );
    expect(await fs.exists(SSM_JSON)).toBe(false);
    expect(await fs.exists("/etc/amazon/ssm")).toBe(false);
    expect(await fs.exists(ENDPOINT_RECORD)).toBe(false);

    const before = snapshotTree(root);
    const second = await purge();
    expect(second).toMatchObject({ status: "ok", summary: "nothing left to purge" });
    expect(snapshotTree(root)).toEqual(before);
  });

  it("takes exactly the recorded keys out of the operator's file, keeps the file, empties the rest of the folder", async () => {
    await put(SSM_JSON, OPERATOR_FILE, 0o640);
    await registerMerges({ ssm: SSM, ec2messages: MDS });
    expect((await read(SSM_JSON)).Mds).toEqual({ CommandWorkersLimit: 10, Endpoint: MDS });

    const first = await purge();

    expect(first.status).toBe("changed");
    expect(first.summary).toContain(`remove the endpoint keys register set from ${SSM_JSON}`);
    expect(first.summary).toContain(`/etc/amazon/ssm (all but amazon-ssm-agent.json)`);
    expect(first.details).toEqual(
      expect.arrayContaining([
        "removed Ssm.Endpoint (no longer configured)",
        "removed Mds.Endpoint (no longer configured)",
        "removed Agent.Region (no longer configured)",
      ]),
    );
    expect(await read(SSM_JSON)).toEqual(JSON.parse(OPERATOR_FILE));
    expect((await fs.readInputFile(SSM_JSON))?.mode).toBe(0o640);
    expect(await fs.list("/etc/amazon/ssm")).toEqual(["amazon-ssm-agent.json"]);
    expect(await fs.exists(ENDPOINT_RECORD)).toBe(false);

    const before = snapshotTree(root);
    expect(await purge()).toMatchObject({ status: "ok", summary: "nothing left to purge" });
    expect(snapshotTree(root)).toEqual(before);
  });

  it("keeps the file register created once the operator added a key of their own", async () => {
    await registerMerges({ ssm: SSM });
    const edited = await read(SSM_JSON);
    edited.Profile = { ShareCreds: false };
    await put(SSM_JSON, JSON.stringify(edited), 0o644);

    expect((await purge()).status).toBe("changed");

    expect(await read(SSM_JSON)).toEqual({ Profile: { ShareCreds: false } });
  });

  it("leaves a recorded key the operator changed since, and says so", async () => {
    await registerMerges({ ssm: SSM, ec2messages: MDS });
    const edited = await read(SSM_JSON);
    edited.Ssm.Endpoint = "https://ssm.internal.example";
    await put(SSM_JSON, JSON.stringify(edited), 0o644);

    const result = await purge();

    expect(result.details).toContain("left Ssm.Endpoint as it is: it was changed after this agent set it");
    expect(await read(SSM_JSON)).toEqual({ Ssm: { Endpoint: "https://ssm.internal.example" } });
  });

  it("keeps an operator's file untouched when register set no keys in it", async () => {
    await put(SSM_JSON, OPERATOR_FILE, 0o644);

    const result = await purge();

    expect(result.status).toBe("changed");
    expect(result.summary).toBe("purged: remove /etc/amazon/ssm (all but amazon-ssm-agent.json)");
    expect(await fs.readText(SSM_JSON)).toBe(OPERATOR_FILE);
    expect(await fs.exists(SEELOG)).toBe(false);
  });

  it("in a dry run shows what it would take out and writes nothing", async () => {
    await put(SSM_JSON, OPERATOR_FILE, 0o644);
    await registerMerges({ ssm: SSM });
    const before = snapshotTree(root);

    const result = await purge(true);

    expect(result.status).toBe("planned");
    expect(result.summary).toContain(`remove the endpoint keys register set from ${SSM_JSON}`);
    expect(result.details).toContain("removed Ssm.Endpoint (no longer configured)");
    expect(snapshotTree(root)).toEqual(before);
  });

  it("fails, naming the file, when it is no longer JSON, and leaves it as it is", async () => {
    await registerMerges({ ssm: SSM });
    await put(SSM_JSON, '{ "Ssm": { "Endpoint": "x", }, }\n', 0o644);

    const result = await purge();

    expect(result.status).toBe("failed");
    expect(result.summary).toContain(
      `${SSM_JSON} is not valid JSON: left it with Ssm.Endpoint, Agent.Region in it`,
    );
    expect(await fs.readText(SSM_JSON)).toBe('{ "Ssm": { "Endpoint": "x", }, }\n');
    expect(await fs.exists(SEELOG)).toBe(false);
  });
});
