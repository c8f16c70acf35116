import { describe, expect, it } from "vitest";
import type { IamPort, RoleInfo } from "../../src/adapters/aws/ports.ts";
import { roleStep } from "../../src/cloud/role.ts";
import { MANAGED_BY_TAG } from "../../src/config/schema.ts";
import { runSteps } from "../../src/engine/run.ts";
import { AwsCallError } from "../../src/errors.ts";
import { Redactor } from "../../src/util/redact.ts";
import { fakeClock } from "../support/clock.ts";

const TRUST = {
  Effect: "Allow" as const,
  Principal: { Service: "ssm.amazonaws.com" },
  Action: "sts:AssumeRole",
};
const SPEC = {
  id: "instance-role",
  name: "ECSAnywhereRole",
  path: "/",
  description: "test",
  trust: TRUST,
  managedPolicyArns: [],
  inline: {},
  tags: { [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value },
};
const exists = () =>
  new AwsCallError(
    { service: "iam", action: "CreateRole" },
    "EntityAlreadyExists",
    "iam:CreateRole on arn:aws:iam::123456789012:role/ECSAnywhereRole failed: EntityAlreadyExists: Role with name ECSAnywhereRole already exists.",
  );

/** IAM where the role appears between the plan's GetRole and CreateRole, carrying `tags`. */
function iamWhereRoleAppears(tags: Record<string, string>): IamPort {
  let reads = 0;
  const role: RoleInfo = {
    name: SPEC.name,
    arn: "arn:aws:iam::123456789012:role/ECSAnywhereRole",
    path: "/",
    trustPolicy: { Version: "2012-10-17", Statement: [TRUST] },
    tags,
  };
  const unused = async () => {
    throw new Error("not expected");
  };
  return {
    getRole: async () => (reads++ === 0 ? undefined : role),
    createRole: async () => {
      throw exists();
    },
    listAttachedPolicyArns: async () => [],
    listInlinePolicyNames: async () => [],
    getInlinePolicy: async () => undefined,
    updateTrustPolicy: unused,
    tagRole: unused,
    attachPolicy: unused,
    detachPolicy: unused,
    putInlinePolicy: unused,
    deleteInlinePolicy: unused,
    policyExists: async () => true,
  };
}

const run = (iam: IamPort) =>
  runSteps([roleStep(SPEC, iam)], undefined, {
    dryRun: false,
    signal: new AbortController().signal,
    clock: fakeClock(),
    redactor: new Redactor(),
    onFailure: "stop",
  });

describe("a role step whose CreateRole finds the role there", () => {
  it("accepts the agent's own role (a retried call whose first answer was lost) and converges", async () => {
    const report = await run(iamWhereRoleAppears({ [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value }));
    expect(report.ok).toBe(true);
    expect(report.steps[0]).toMatchObject({
      status: "ok",
      summary:
        "role arn:aws:iam::123456789012:role/ECSAnywhereRole exists already (made by the agent meanwhile)",
    });
  });

  it("still fails on a role the agent did not make", async () => {
    const report = await run(iamWhereRoleAppears({}));
    expect(report.ok).toBe(false);
    expect(report.steps[0]?.status).toBe("failed");
    expect(report.steps[0]?.summary).toMatch(/EntityAlreadyExists/);
  });
});
