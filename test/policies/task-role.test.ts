import { describe, expect, it } from "vitest";
import { TASK_ROLE_S3_POLICY, taskRolePolicies } from "../../src/policies/index.ts";
import { expectGoldenJson } from "../support/golden.ts";
import { config, ctx } from "./fixtures.ts";

const role = (s3: object[]) => {
  const [taskRole] = config({ taskRoles: [{ name: "app-task", s3 } as never] }).taskRoles;
  if (!taskRole) throw new Error("no task role");
  return taskRole;
};

describe("taskRolePolicies", () => {
  it("gives a role without grants no policies at all", () => {
    expect(taskRolePolicies(role([]), ctx)).toEqual({ managedPolicyArns: [], inline: {} });
  });

  it("grants read as GetObject under the prefix and ListBucket limited to it", () => {
    expectGoldenJson(
      "policies/task-role-s3-read.json",
      taskRolePolicies(role([{ bucket: "app-data", prefix: "reports/" }]), ctx),
    );
  });

  it("grants write as PutObject under the prefix only", () => {
    const policies = taskRolePolicies(role([{ bucket: "app-uploads", prefix: "in/", access: "write" }]), ctx);
    expect(JSON.stringify(policies)).not.toContain("s3:ListBucket");
    expectGoldenJson("policies/task-role-s3-write.json", policies);
  });

  it("grants read-write with delete as both plus DeleteObject, and lists a whole bucket without a condition", () => {
    const policies = taskRolePolicies(
      role([{ bucket: "app-scratch", access: "read-write", allowDelete: true }]),
      ctx,
    );
    const statements = policies.inline[TASK_ROLE_S3_POLICY]?.Statement ?? [];
    expect(statements[0]?.Action).toEqual(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    expect(statements[1]?.Condition).toBeUndefined();
    expectGoldenJson("policies/task-role-s3-read-write-delete.json", policies);
  });

  it("never grants delete without its own opt-in", () => {
    const policies = taskRolePolicies(role([{ bucket: "app-scratch", access: "read-write" }]), ctx);
    expect(JSON.stringify(policies)).not.toContain("s3:DeleteObject");
  });
});
