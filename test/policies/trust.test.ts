import { describe, expect, it } from "vitest";
import type { PolicyDocument, PolicyStatement } from "../../src/policies/index.ts";
import {
  ecsTasksTrustStatement,
  mergeTrust,
  samePolicy,
  ssmTrustStatement,
} from "../../src/policies/index.ts";

const ACCOUNT = "111122223333";
const ec2Trust: PolicyStatement = {
  Effect: "Allow",
  Principal: { Service: "ec2.amazonaws.com" },
  Action: "sts:AssumeRole",
};
const trust = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

describe("ssmTrustStatement", () => {
  it("carries the confused-deputy conditions of the hybrid-activation docs (field notes §5)", () => {
    expect(ssmTrustStatement(ACCOUNT, "eu-central-1")).toEqual({
      Effect: "Allow",
      Principal: { Service: "ssm.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnEquals: { "aws:SourceArn": `arn:aws:ssm:eu-central-1:${ACCOUNT}:*` },
      },
    });
  });

  it("uses the caller's partition in the source ARN", () => {
    const statement = ssmTrustStatement(ACCOUNT, "cn-north-1", "aws-cn");
    expect(statement.Condition?.ArnEquals?.["aws:SourceArn"]).toBe(`arn:aws-cn:ssm:cn-north-1:${ACCOUNT}:*`);
  });
});

describe("ecsTasksTrustStatement", () => {
  it("lets ecs-tasks.amazonaws.com assume the role without conditions", () => {
    expect(ecsTasksTrustStatement()).toEqual({
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
  });
});

describe("mergeTrust", () => {
  const ssmFrankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
  const ssmIreland = ssmTrustStatement(ACCOUNT, "eu-west-1");

  it("creates a trust policy with the required statement when the role has none", () => {
    const merged = mergeTrust(undefined, ssmFrankfurt);
    expect(merged.changed).toBe(true);
    expect(merged.document).toEqual(trust(ssmFrankfurt));
  });

  it("adds the ssm statement and keeps an existing ec2 principal", () => {
    const merged = mergeTrust(trust(ec2Trust), ssmFrankfurt);
    expect(merged).toMatchObject({
      changed: true,
      reason: "trust policy does not allow ssm.amazonaws.com to assume the role",
    });
    expect(merged.document.Statement).toEqual([ec2Trust, ssmFrankfurt]);
  });

  it("adds a second region's SourceArn and keeps the first", () => {
    const merged = mergeTrust(trust(ssmFrankfurt), ssmIreland);
    expect(merged.changed).toBe(true);
    expect(merged.reason).toContain(`arn:aws:ssm:eu-west-1:${ACCOUNT}:*`);
    expect(merged.document.Statement).toHaveLength(1);
    expect(merged.document.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnEquals: {
        "aws:SourceArn": [`arn:aws:ssm:eu-central-1:${ACCOUNT}:*`, `arn:aws:ssm:eu-west-1:${ACCOUNT}:*`],
      },
    });
  });

  it("adds the account to an existing aws:SourceAccount condition that lacks it", () => {
    const other = ssmTrustStatement("444455556666", "eu-central-1");
    const merged = mergeTrust(trust(other), ssmFrankfurt);
    expect(merged.document.Statement[0]?.Condition?.StringEquals).toEqual({
      "aws:SourceAccount": ["444455556666", ACCOUNT],
    });
  });

  it("is idempotent: merging twice gives what merging once gave, and reports no change", () => {
    for (const start of [undefined, trust(ec2Trust), trust(ssmFrankfurt)]) {
      const once = mergeTrust(start, ssmIreland);
      const twice = mergeTrust(once.document, ssmIreland);
      expect(twice.changed).toBe(false);
      expect(twice.document).toEqual(once.document);
    }
  });

  it("leaves an unconditioned ssm statement alone: it already works", () => {
    const open: PolicyStatement = {
      Effect: "Allow",
      Principal: { Service: "ssm.amazonaws.com" },
      Action: "sts:AssumeRole",
    };
    const merged = mergeTrust(trust(open), ssmFrankfurt);
    expect(merged.changed).toBe(false);
    expect(merged.document).toEqual(trust(open));
  });

  it("accepts a wildcard SourceArn that already covers the region", () => {
    const anyRegion: PolicyStatement = {
      ...ssmFrankfurt,
      Condition: { ArnLike: { "aws:SourceArn": `arn:aws:ssm:*:${ACCOUNT}:*` } },
    };
    expect(mergeTrust(trust(anyRegion), ssmIreland).changed).toBe(false);
  });

  it("does not touch Deny statements", () => {
    const deny: PolicyStatement = {
      Effect: "Deny",
      Principal: { Service: "ssm.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringNotEquals: { "aws:SourceAccount": "999999999999" } },
    };
    const merged = mergeTrust(trust(deny), ssmFrankfurt);
    expect(merged.document.Statement).toEqual([deny, ssmFrankfurt]);
  });

  it("appends its own statement next to one whose conditions it does not manage", () => {
    const byIp: PolicyStatement = {
      ...ssmFrankfurt,
      Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
    };
    const merged = mergeTrust(trust(byIp), ssmFrankfurt);
    expect(merged.changed).toBe(true);
    expect(merged.document.Statement).toEqual([byIp, ssmFrankfurt]);
  });

  it("never modifies the document it was given", () => {
    const existing = trust(ec2Trust, ssmFrankfurt);
    const copy = structuredClone(existing);
    mergeTrust(existing, ssmIreland);
    expect(existing).toEqual(copy);
  });

  it("keeps every other principal of a shared statement", () => {
    const shared: PolicyStatement = {
      ...ssmFrankfurt,
      Principal: { Service: ["ec2.amazonaws.com", "ssm.amazonaws.com"] },
    };
    const merged = mergeTrust(trust(shared), ssmIreland);
    expect(merged.document.Statement[0]?.Principal).toEqual(shared.Principal);
    expect(samePolicy(mergeTrust(merged.document, ssmIreland).document, merged.document)).toBe(true);
  });
});
