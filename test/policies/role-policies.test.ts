import { describe, expect, it } from "vitest";
import {
  assertPolicySize,
  assertRolePoliciesSize,
  INLINE_POLICY_SIZE_LIMIT,
  type PolicyDocument,
  PolicySizeError,
  taskRolePolicies,
} from "../../src/policies/index.ts";
import { config, ctx } from "./fixtures.ts";

const docOfSize = (resources: number): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: Array.from({ length: resources }, (_, i) => `arn:aws:s3:::bucket-${i}/*`),
    },
  ],
});

describe("assertPolicySize", () => {
  it("accepts a document within IAM's 10,240-character limit", () => {
    expect(() => assertPolicySize(docOfSize(10), "small")).not.toThrow();
  });

  it("rejects a larger one, naming the policy and its size", () => {
    const big = docOfSize(600);
    expect(JSON.stringify(big).length).toBeGreaterThan(INLINE_POLICY_SIZE_LIMIT);
    expect(() => assertPolicySize(big, "ecs-anywhere-agent-s3")).toThrow(PolicySizeError);
    expect(() => assertPolicySize(big, "ecs-anywhere-agent-s3")).toThrow(
      /"ecs-anywhere-agent-s3" is \d+ characters/,
    );
  });
});

describe("the role builders", () => {
  it("refuse configurations whose inline policies IAM would reject", () => {
    const s3 = Array.from({ length: 80 }, (_, i) => ({
      bucket: `bucket-number-${i}`,
      prefix: "some/long/prefix/",
    }));
    const [role] = config({ taskRoles: [{ name: "greedy", s3 }] }).taskRoles;
    if (!role) throw new Error("no task role");
    expect(() => taskRolePolicies(role, ctx)).toThrow(/ecs-anywhere-agent-s3/);
  });
});

/** A document exactly `length` characters long once minified, padded through its Sid. */
const docOfLength = (length: number): PolicyDocument => {
  const doc: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Sid: "", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
  };
  const padding = length - JSON.stringify(doc).length;
  (doc.Statement[0] as { Sid: string }).Sid = "P".repeat(padding);
  expect(JSON.stringify(doc)).toHaveLength(length);
  return doc;
};

const ADVICE =
  "IAM allows 10240 for a role's inline policies (remove ARNs or grants from the configuration, or split them across roles)";

describe("the inline policy size limit", () => {
  it("is IAM's 10,240 characters", () => {
    expect(INLINE_POLICY_SIZE_LIMIT).toBe(10_240);
  });

  it("admits one document of exactly 10,240 characters and refuses one of 10,241", () => {
    expect(() => assertPolicySize(docOfLength(10_240), "edge")).not.toThrow();
    expect(() => assertPolicySize(docOfLength(10_241), "edge")).toThrow(
      `inline policy "edge" is 10241 characters once minified; ${ADVICE}`,
    );
  });

  it("calls an unnamed document an inline policy", () => {
    expect(() => assertPolicySize(docOfLength(10_241))).toThrow(
      /^inline policy "inline policy" is 10241 characters/,
    );
  });

  it("raises a PolicySizeError that carries the policy, its size and the limit", () => {
    let error: unknown;
    try {
      assertPolicySize(docOfLength(10_300), "edge");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "PolicySizeError",
      policyName: 'inline policy "edge"',
      size: 10_300,
      limit: 10_240,
    });
  });
});

describe("assertRolePoliciesSize", () => {
  const role = (...sizes: number[]) => ({
    managedPolicyArns: [],
    inline: Object.fromEntries(sizes.map((size, i) => [`policy-${i}`, docOfLength(size)])),
  });

  it("admits inline policies that together come to exactly 10,240 characters", () => {
    expect(() => assertRolePoliciesSize(role(5_000, 5_240), "app")).not.toThrow();
    expect(() => assertRolePoliciesSize(role(), "app")).not.toThrow();
  });

  it("refuses inline policies that are each small enough but together too large, naming the role", () => {
    expect(() => assertRolePoliciesSize(role(5_000, 5_241), "app")).toThrow(
      `the inline policies of role "app" is 10241 characters once minified; ${ADVICE}`,
    );
  });

  it("names the one document that alone is too large", () => {
    expect(() => assertRolePoliciesSize(role(200, 10_241), "app")).toThrow(
      /^inline policy "policy-1" is 10241/,
    );
  });
});
