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

describe("mergeTrust recognises a statement that already grants the service", () => {
  const ssmFrankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
  const grant = (overrides: Partial<PolicyStatement>): PolicyStatement => ({
    Effect: "Allow",
    Principal: { Service: "ssm.amazonaws.com" },
    Action: "sts:AssumeRole",
    ...overrides,
  });
  const ALREADY = { changed: false, reason: "trust policy already allows ssm.amazonaws.com" };
  const MISSING = {
    changed: true,
    reason: "trust policy does not allow ssm.amazonaws.com to assume the role",
  };

  it.each([
    ["a lower-case action", grant({ Action: "sts:assumerole" })],
    ["an action wildcard", grant({ Action: "sts:*" })],
    ["the action among others", grant({ Action: ["sts:TagSession", "sts:AssumeRole"] })],
    [
      "the service among other principals",
      grant({ Principal: { Service: ["ec2.amazonaws.com", "ssm.amazonaws.com"] } }),
    ],
  ])("with %s", (_, statement) => {
    expect(mergeTrust(trust(statement), ssmFrankfurt)).toMatchObject(ALREADY);
  });

  it.each([
    ["a Deny", grant({ Effect: "Deny" })],
    ["another action", grant({ Action: "sts:AssumeRoleWithSAML" })],
    ["the action for another service", grant({ Principal: { Service: "ec2.amazonaws.com" } })],
    ["an AWS principal", grant({ Principal: { AWS: "arn:aws:iam::111122223333:root" } })],
    ["no principal", grant({ Principal: undefined })],
  ])("but not %s, so it adds its own statement", (_, statement) => {
    const merged = mergeTrust(trust(statement), ssmFrankfurt);
    expect(merged).toMatchObject(MISSING);
    expect(merged.document.Statement).toEqual([statement, ssmFrankfurt]);
  });

  it("is satisfied when any one of two matching statements already works", () => {
    const byIp = grant({ Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } });
    const merged = mergeTrust(trust(byIp, grant({})), ssmFrankfurt);
    expect(merged).toMatchObject(ALREADY);
    expect(merged.document).toEqual(trust(byIp, grant({})));
  });

  it("reads condition operators and keys in any case", () => {
    const lowerCase = grant({
      Condition: {
        stringequals: { "AWS:SOURCEACCOUNT": ACCOUNT },
        arnlike: { "aws:sourcearn": `arn:aws:ssm:eu-central-1:${ACCOUNT}:*` },
      },
    });
    expect(mergeTrust(trust(lowerCase), ssmFrankfurt)).toMatchObject(ALREADY);
  });

  it("accepts StringLike as well as ArnLike wildcards", () => {
    const stringLike = grant({
      Condition: { StringLike: { "aws:SourceAccount": "1111*", "aws:SourceArn": "arn:aws:ssm:*" } },
    });
    expect(mergeTrust(trust(stringLike), ssmFrankfurt)).toMatchObject(ALREADY);
  });

  it("does not read StringEquals values as wildcards", () => {
    const literalStar = grant({ Condition: { StringEquals: { "aws:SourceAccount": "*" } } });
    const merged = mergeTrust(trust(literalStar), ssmFrankfurt);
    expect(merged).toMatchObject({
      changed: true,
      reason: `trust policy's conditions for ssm.amazonaws.com do not admit ${ACCOUNT}`,
    });
    expect(merged.document.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ["*", ACCOUNT] },
    });
  });
});

describe("mergeTrust extends the conditions it manages", () => {
  const ssmIreland = ssmTrustStatement(ACCOUNT, "eu-west-1");

  it("adds every missing value and lists them all in the reason", () => {
    const elsewhere = ssmTrustStatement("444455556666", "eu-central-1");
    const merged = mergeTrust(trust(elsewhere), ssmIreland);
    expect(merged).toMatchObject({
      changed: true,
      reason: `trust policy's conditions for ssm.amazonaws.com do not admit ${ACCOUNT}, arn:aws:ssm:eu-west-1:${ACCOUNT}:*`,
    });
    expect(merged.document.Statement[0]?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ["444455556666", ACCOUNT] },
      ArnEquals: {
        "aws:SourceArn": [`arn:aws:ssm:eu-central-1:444455556666:*`, `arn:aws:ssm:eu-west-1:${ACCOUNT}:*`],
      },
    });
  });

  it("extends the first statement it can when several grant the service", () => {
    const frankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
    const paris = ssmTrustStatement(ACCOUNT, "eu-west-3");
    const merged = mergeTrust(trust(frankfurt, paris), ssmIreland);
    expect(merged.document.Statement[0]?.Condition?.ArnEquals?.["aws:SourceArn"]).toEqual([
      `arn:aws:ssm:eu-central-1:${ACCOUNT}:*`,
      `arn:aws:ssm:eu-west-1:${ACCOUNT}:*`,
    ]);
    expect(merged.document.Statement[1]).toEqual(paris);
  });

  it("skips a statement it cannot extend and extends the next one", () => {
    const byIp: PolicyStatement = {
      ...ssmIreland,
      Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
    };
    const frankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
    const merged = mergeTrust(trust(byIp, frankfurt), ssmIreland);
    expect(merged.changed).toBe(true);
    expect(merged.document.Statement).toHaveLength(2);
    expect(merged.document.Statement[0]).toEqual(byIp);
    expect(merged.document.Statement[1]?.Condition?.ArnEquals?.["aws:SourceArn"]).toHaveLength(2);
  });
});

describe("mergeTrust leaves conditions it does not manage alone", () => {
  const ssmFrankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
  const UNMANAGED = {
    changed: true,
    reason:
      "trust policy lets ssm.amazonaws.com assume the role only under conditions the agent does not manage",
  };

  it.each([
    [
      "an operator it does not understand on a key it manages",
      { StringNotEquals: { "aws:SourceAccount": "999999999999" } },
    ],
    ["a known operator on a key it does not manage", { StringEquals: { "aws:PrincipalTag/team": "ops" } }],
    [
      "a known operator on an unmanaged key next to a managed one",
      { StringEquals: { "aws:SourceAccount": ACCOUNT, "aws:SourceOrgID": "o-1" } },
    ],
  ])("such as %s, and adds its own statement", (_, condition) => {
    const existing: PolicyStatement = { ...ssmFrankfurt, Condition: condition };
    const merged = mergeTrust(trust(existing), ssmFrankfurt);
    expect(merged).toMatchObject(UNMANAGED);
    expect(merged.document.Statement).toEqual([existing, ssmFrankfurt]);
  });

  it("treats every condition as unmanaged for a required statement without conditions", () => {
    const conditioned: PolicyStatement = {
      ...ecsTasksTrustStatement(),
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    };
    const merged = mergeTrust(trust(conditioned), ecsTasksTrustStatement());
    expect(merged).toMatchObject({
      changed: true,
      reason:
        "trust policy lets ecs-tasks.amazonaws.com assume the role only under conditions the agent does not manage",
    });
    expect(merged.document.Statement).toEqual([conditioned, ecsTasksTrustStatement()]);
  });
});

describe("mergeTrust refuses a required statement without a service principal", () => {
  it.each([
    ["no principal", { Effect: "Allow", Action: "sts:AssumeRole" }],
    ["a wildcard principal", { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }],
    [
      "an AWS principal",
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sts:AssumeRole" },
    ],
    ["an empty service list", { Effect: "Allow", Principal: { Service: [] }, Action: "sts:AssumeRole" }],
  ] as const)("%s", (_, required) => {
    expect(() => mergeTrust(undefined, required as PolicyStatement)).toThrow(
      "mergeTrust: the required statement must name a service principal",
    );
  });
});

describe("mergeTrust with restoreConditions (the agent's own role, issue: conditions removed by hand)", () => {
  const ssmFrankfurt = ssmTrustStatement(ACCOUNT, "eu-central-1");
  const open: PolicyStatement = {
    Effect: "Allow",
    Principal: { Service: "ssm.amazonaws.com" },
    Action: "sts:AssumeRole",
  };

  it("puts both confused-deputy conditions back on a statement that lost them", () => {
    const merged = mergeTrust(trust(ec2Trust, open), ssmFrankfurt, { restoreConditions: true });
    expect(merged.changed).toBe(true);
    expect(merged.reason).toBe(
      "trust policy's ssm.amazonaws.com statement lacks the condition(s) aws:SourceAccount, aws:SourceArn",
    );
    expect(merged.document.Statement).toEqual([ec2Trust, ssmFrankfurt]);
    expect(mergeTrust(merged.document, ssmFrankfurt, { restoreConditions: true }).changed).toBe(false);
  });

  it("puts back the one condition that is gone and keeps the other as it is", () => {
    const onlyArn: PolicyStatement = {
      ...open,
      Condition: { ArnLike: { "aws:SourceArn": `arn:aws:ssm:*:${ACCOUNT}:*` } },
    };
    const merged = mergeTrust(trust(onlyArn), ssmFrankfurt, { restoreConditions: true });
    expect(merged.reason).toBe(
      "trust policy's ssm.amazonaws.com statement lacks the condition(s) aws:SourceAccount",
    );
    expect(merged.document.Statement[0]?.Condition).toEqual({
      ArnLike: { "aws:SourceArn": `arn:aws:ssm:*:${ACCOUNT}:*` },
      StringEquals: { "aws:SourceAccount": ACCOUNT },
    });
  });

  it("without it (a foreign role), accepts the statement but names the missing conditions", () => {
    const merged = mergeTrust(trust(open), ssmFrankfurt);
    expect(merged).toEqual({
      document: trust(open),
      changed: false,
      reason: "trust policy already allows ssm.amazonaws.com",
      missingConditions: ["aws:SourceAccount", "aws:SourceArn"],
    });
    expect(mergeTrust(trust(ssmFrankfurt), ssmFrankfurt).missingConditions).toBeUndefined();
  });
});
