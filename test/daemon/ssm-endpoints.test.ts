// The daemon's ssm-endpoints check (field notes §10.10): amazon-ssm-agent.json against the config's endpoints and
// register's record of the keys it set; reported only, never written.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  desiredSsmAgentKeys,
  ENDPOINT_RECORD,
  planSsmAgentConfig,
  type SsmAgentKeys,
} from "../../src/components/ssm-agent/endpoint-config.ts";
import {
  type ConfigurableWorld,
  configFromSchema,
  loopFor,
  makeRegistered,
  REGION,
  startConfigurableWorld,
} from "./harness.ts";

const SSM_JSON = "/etc/amazon/ssm/amazon-ssm-agent.json";
const SSM = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com";
const MDS = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ec2messages.eu-west-1.vpce.amazonaws.com";
const KMS = "https://vpce-0a1b2c3d4e5f60718-abcdefgh.kms.eu-west-1.vpce.amazonaws.com";
const FIX = "(`ecs-anywhere-agent register` writes the SSM agent's endpoint overrides)";
const REMEDIATION =
  "run `ecs-anywhere-agent register`: it writes the file and restarts the SSM agent to read it";
const never = new AbortController().signal;

let world: ConfigurableWorld;
/** The config's `endpoints:`, written where the daemon reads its config. */
const configure = (endpoints: Record<string, string>) =>
  world.configure(
    Object.keys(endpoints).length === 0
      ? ""
      : `endpoints:\n${Object.entries(endpoints)
          .map(([name, url]) => `  ${name}: ${url}\n`)
          .join("")}`,
  );
/** The keys `register` wants in the file for these endpoints. */
const keysFor = (endpoints: Record<string, string>) =>
  desiredSsmAgentKeys(configFromSchema({ endpoints }).endpoints, REGION);
/** What `register` leaves: the file with the keys merged into `current`, and its record of them. */
const registerWrites = (endpoints: Record<string, string>, current?: string) => {
  const plan = planSsmAgentConfig(current, keysFor(endpoints), {}, false);
  world.host.writeFile(SSM_JSON, plan.next as string, 0o644);
  record(plan.owned);
};
const record = (ssmAgent: SsmAgentKeys) =>
  world.host.writeFile(ENDPOINT_RECORD, JSON.stringify({ version: 1, ssmAgent, ecsConfig: {} }), 0o600);

beforeAll(async () => {
  world = await startConfigurableWorld();
});
afterAll(() => world.stop());
beforeEach(() => {
  makeRegistered(world.host, new Date());
  for (const path of [SSM_JSON, ENDPOINT_RECORD]) rmSync(world.host.path(path), { force: true });
});

/** One pass with every probe: the ssm-endpoints check, and the repairs the pass made. */
async function pass() {
  const { loop } = await loopFor(world);
  const status = await loop.pass(never);
  return { check: status.checks.find((check) => check.name === "ssm-endpoints"), repairs: status.repairs };
}

describe("the ssm-endpoints check", () => {
  it("passes when the file holds what register wrote, whatever its formatting and other keys", async () => {
    const endpoints = { ssm: SSM, ec2messages: MDS };
    configure(endpoints);
    registerWrites(endpoints, '{"Profile": {"ShareCreds": true}}');
    expect((await pass()).check).toMatchObject({
      status: "ok",
      critical: false,
      message: `${SSM_JSON} holds the configured endpoints (Ssm.Endpoint, Mds.Endpoint, Agent.Region)`,
    });
    // The same keys, written by another hand on one line.
    world.host.writeFile(SSM_JSON, JSON.stringify(JSON.parse(world.host.readFile(SSM_JSON))), 0o644);
    expect((await pass()).check).toMatchObject({ status: "ok" });
  });

  it("warns when the file is gone, naming it and register, and writes nothing", async () => {
    configure({ ssm: SSM });
    const { check, repairs } = await pass();
    expect(check).toEqual(
      expect.objectContaining({
        status: "warn",
        message: `${SSM_JSON} does not exist ${FIX}`,
        remediation: REMEDIATION,
      }),
    );
    expect(repairs).toEqual([]);
    expect(world.host.exists(SSM_JSON)).toBe(false);
  });

  it("warns when a configured key is missing or holds another value, and leaves the file as it is", async () => {
    const endpoints = { ssm: SSM, ec2messages: MDS };
    configure(endpoints);
    registerWrites(endpoints);
    const edited = world.host
      .readFile(SSM_JSON)
      .replace(SSM, "https://ssm.eu-west-1.amazonaws.com")
      .replace(/,?\s*"Endpoint": "https:\/\/vpce[^"]*ec2messages[^"]*"/, "");
    expect(edited).not.toContain(MDS);
    world.host.writeFile(SSM_JSON, edited, 0o644);
    const { check, repairs } = await pass();
    expect(check).toMatchObject({
      status: "warn",
      message: `${SSM_JSON} lacks the configured Ssm.Endpoint, Mds.Endpoint ${FIX}`,
      remediation: REMEDIATION,
    });
    expect(repairs).toEqual([]);
    expect(world.host.readFile(SSM_JSON)).toBe(edited);
  });

  it("warns when the file still holds a key register set for an endpoint the config no longer has", async () => {
    registerWrites({ ssm: SSM, kms: KMS });
    configure({ ssm: SSM });
    expect((await pass()).check).toMatchObject({
      status: "warn",
      message: `${SSM_JSON} still holds Kms.Endpoint, which the config no longer has ${FIX}`,
    });
    // A value someone changed since register set it is theirs: register leaves it, so it is no drift.
    world.host.writeFile(SSM_JSON, world.host.readFile(SSM_JSON).replace(KMS, "https://kms.example"), 0o644);
    expect((await pass()).check).toMatchObject({ status: "ok" });
  });

  it("warns when the file is not JSON the SSM agent can read", async () => {
    configure({ ssm: SSM });
    world.host.writeFile(SSM_JSON, '{"Ssm": {"Endpoint": ', 0o644);
    expect((await pass()).check).toMatchObject({
      status: "warn",
      message: `${SSM_JSON} is not valid JSON: the SSM agent cannot read it either`,
      remediation: `fix ${SSM_JSON} (the SSM agent reads plain JSON) or move it away, then run \`ecs-anywhere-agent register\``,
    });
  });

  it("is not in the report when the config names no endpoint the SSM agent uses", async () => {
    configure({ ecs: "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ecs.eu-west-1.vpce.amazonaws.com" });
    expect(keysFor({ ecs: "https://ecs.eu-west-1.amazonaws.com" })).toEqual({});
    expect((await pass()).check).toBeUndefined();
  });
});
