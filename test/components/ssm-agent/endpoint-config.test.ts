import { describe, expect, it } from "vitest";
import {
  desiredSsmAgentKeys,
  planSsmAgentConfig,
  UnreadableSsmAgentConfig,
} from "../../../src/components/ssm-agent/endpoint-config.ts";
import { expectGolden } from "../../support/golden.ts";

const REGION = "eu-west-1";
const ALL = {
  ssm: "https://vpce-0a1b2c3d4e5f60718-abcdefgh.ssm.eu-west-1.vpce.amazonaws.com",
  ec2messages: "https://vpce-0a1b2c3d4e5f60718-bcdefghi.ec2messages.eu-west-1.vpce.amazonaws.com",
  ssmmessages: "https://vpce-0a1b2c3d4e5f60718-cdefghij.ssmmessages.eu-west-1.vpce.amazonaws.com",
  s3: "https://bucket.vpce-0a1b2c3d4e5f60718-defghijk.s3.eu-west-1.vpce.amazonaws.com",
  kms: "https://vpce-0a1b2c3d4e5f60718-efghijkl.kms.eu-west-1.vpce.amazonaws.com",
  // Not SSM agent endpoints: no key of the file.
  ecs: "https://ecs.eu-west-1.amazonaws.com",
  logs: "https://logs.eu-west-1.amazonaws.com",
};

// What an operator may have in the file already: keys of the template (field notes §10.10) with own values.
const OPERATOR_FILE = `{
  "Profile": { "ShareCreds": true },
  "Mds": { "CommandWorkersLimit": 10 },
  "Ssm": { "HealthFrequencyMinutes": 10 },
  "Agent": { "OrchestrationRootDir": "/var/lib/ssm-work" }
}
`;

describe("the SSM agent's endpoint keys", () => {
  it("maps each endpoint to the key the SSM agent documents, with the regions that go with them", () => {
    expect(desiredSsmAgentKeys(ALL, REGION)).toEqual({
      "Ssm.Endpoint": ALL.ssm,
      "Mds.Endpoint": ALL.ec2messages,
      "Mgs.Endpoint": ALL.ssmmessages,
      "Mgs.Region": REGION,
      "S3.Endpoint": ALL.s3,
      "S3.Region": REGION,
      "Kms.Endpoint": ALL.kms,
      "Agent.Region": REGION,
    });
    expect(desiredSsmAgentKeys({ ecs: ALL.ecs }, REGION)).toEqual({});
  });

  it("writes a new file with only the endpoint keys (golden)", () => {
    const plan = planSsmAgentConfig(undefined, desiredSsmAgentKeys(ALL, REGION), {}, false);
    expect(plan.changed).toBe(true);
    expect(plan.next).not.toBeNull();
    expectGolden("endpoints/amazon-ssm-agent.new.json", plan.next as string);
    expect(plan.changes).toContain(`set Ssm.Endpoint to ${ALL.ssm}`);
  });

  it("merges into an existing file, keeping every key it does not set (golden), and is idempotent", () => {
    const desired = desiredSsmAgentKeys(ALL, REGION);
    const plan = planSsmAgentConfig(OPERATOR_FILE, desired, {}, false);
    const merged = plan.next as string;
    expectGolden("endpoints/amazon-ssm-agent.merged.json", merged);
    const parsed = JSON.parse(merged);
    expect(parsed.Profile).toEqual({ ShareCreds: true });
    expect(parsed.Mds).toEqual({ CommandWorkersLimit: 10, Endpoint: ALL.ec2messages });
    expect(parsed.Agent).toEqual({ OrchestrationRootDir: "/var/lib/ssm-work", Region: REGION });
    const again = planSsmAgentConfig(merged, desired, plan.owned, plan.created);
    expect(again).toMatchObject({ changed: false, changes: [], next: merged });
  });

  it("removes the keys it set once their endpoints are gone, and keeps the operator's (golden)", () => {
    const first = planSsmAgentConfig(OPERATOR_FILE, desiredSsmAgentKeys(ALL, REGION), {}, false);
    const fewer = desiredSsmAgentKeys({ ssm: ALL.ssm }, REGION);
    const partly = planSsmAgentConfig(first.next as string, fewer, first.owned, first.created);
    expect(partly.changes).toEqual(
      expect.arrayContaining([
        "removed Mds.Endpoint (no longer configured)",
        "removed Kms.Endpoint (no longer configured)",
      ]),
    );
    expect(partly.owned).toEqual(fewer);
    const none = planSsmAgentConfig(partly.next as string, {}, partly.owned, partly.created);
    expect(none.changed).toBe(true);
    expectGolden("endpoints/amazon-ssm-agent.after-removal.json", none.next as string);
    expect(JSON.parse(none.next as string)).toEqual(JSON.parse(OPERATOR_FILE));
    expect(none.owned).toEqual({});
  });

  it("removes the file it created when nothing else is left in it", () => {
    const first = planSsmAgentConfig(undefined, desiredSsmAgentKeys(ALL, REGION), {}, false);
    const none = planSsmAgentConfig(first.next as string, {}, first.owned, first.created);
    expect(first.created).toBe(true);
    expect(none).toMatchObject({ next: null, changed: true, owned: {}, created: false });
  });

  it("keeps a file it did not create, emptied of its keys", () => {
    const first = planSsmAgentConfig("{}\n", desiredSsmAgentKeys({ ssm: ALL.ssm }, REGION), {}, false);
    expect(first.created).toBe(false);
    const none = planSsmAgentConfig(first.next as string, {}, first.owned, first.created);
    expect(none).toMatchObject({ next: "{}\n", changed: true, owned: {}, created: false });
  });

  it("leaves a key someone changed after it set it, and says so", () => {
    const first = planSsmAgentConfig(undefined, desiredSsmAgentKeys({ ssm: ALL.ssm }, REGION), {}, false);
    const edited = JSON.parse(first.next as string);
    edited.Ssm.Endpoint = "https://ssm.internal.example";
    const none = planSsmAgentConfig(JSON.stringify(edited), {}, first.owned, first.created);
    expect(none.changes).toContain("left Ssm.Endpoint as it is: it was changed after this agent set it");
    expect(JSON.parse(none.next as string).Ssm).toEqual({ Endpoint: "https://ssm.internal.example" });
    expect(JSON.parse(none.next as string).Agent).toBeUndefined();
  });

  it("has nothing to do without endpoints and without keys it set: the file is not even parsed", () => {
    expect(planSsmAgentConfig("not json", {}, {}, false)).toMatchObject({ changed: false, changes: [] });
  });

  it("refuses a file that is not a JSON object rather than replacing it", () => {
    const desired = desiredSsmAgentKeys({ ssm: ALL.ssm }, REGION);
    expect(() => planSsmAgentConfig('{"Ssm": {"Endpoint": "",},}', desired, {}, false)).toThrow(
      UnreadableSsmAgentConfig,
    );
    expect(() => planSsmAgentConfig("[]", desired, {}, false)).toThrow(/not a JSON object/);
    expect(() => planSsmAgentConfig('{"Ssm": "x"}', desired, {}, false)).toThrow(
      /"Ssm" is not a JSON object/,
    );
  });
});
