import { describe, expect, it } from "vitest";
import {
  assertPolicySize,
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
