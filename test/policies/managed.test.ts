import { describe, expect, it } from "vitest";
import {
  asList,
  CONTAINER_INSTANCE_POLICY,
  ECR_PULL_ACTIONS,
  ECS_FOR_EC2_ROLE_V10,
  instanceRolePolicies,
  MANAGED_POLICY,
  managedPolicyArn,
  type PolicyStatement,
  wildcardMatch,
} from "../../src/policies/index.ts";
import { expectGoldenJson } from "../support/golden.ts";
import { config, ctx } from "./fixtures.ts";

describe("the AWS managed policies", () => {
  it("are named by their ARN in the caller's partition", () => {
    expect(managedPolicyArn("aws", MANAGED_POLICY.ssmManagedInstanceCore)).toBe(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    expect(managedPolicyArn("aws-us-gov", MANAGED_POLICY.ecsForEc2Role)).toBe(
      "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
    );
    expect(managedPolicyArn("aws-cn", MANAGED_POLICY.ecsTaskExecutionRole)).toBe(
      "arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    );
  });

  it("pull from ECR with the three layer and image actions", () => {
    expect(ECR_PULL_ACTIONS).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:GetDownloadUrlForLayer",
      "ecr:BatchGetImage",
    ]);
  });

  it("include AmazonEC2ContainerServiceforEC2Role v10 exactly as AWS publishes it", () => {
    expectGoldenJson("policies/managed-ecs-for-ec2-role-v10.json", ECS_FOR_EC2_ROLE_V10);
  });
});

/** True when `managed` allows `action` on `resource` under no condition `granted` does not already impose. */
function allows(
  managed: PolicyStatement,
  action: string,
  resource: string,
  granted: PolicyStatement,
): boolean {
  if (managed.Effect !== "Allow") return false;
  if (!asList(managed.Action).some((pattern) => wildcardMatch(pattern, action, { ignoreCase: true })))
    return false;
  if (!asList(managed.Resource).some((pattern) => wildcardMatch(pattern, resource))) return false;
  return Object.entries(managed.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, values]) =>
      asList(granted.Condition?.[operator]?.[key]).every((value) => asList(values).includes(value)),
    ),
  );
}

describe("the least-privilege container-instance policy, statement by statement", () => {
  it("grants each action on each resource only where AmazonEC2ContainerServiceforEC2Role v10 does, under its conditions", () => {
    const leastPrivilege = config({ instanceRole: { permissions: "least-privilege" } }).instanceRole;
    const statements =
      instanceRolePolicies(leastPrivilege, ctx).inline[CONTAINER_INSTANCE_POLICY]?.Statement ?? [];
    const grants = statements.flatMap((statement) =>
      asList(statement.Action).flatMap((action) =>
        asList(statement.Resource).map((resource) => ({ statement, action, resource })),
      ),
    );
    expect(grants.length).toBeGreaterThan(10);
    const beyondManaged = grants
      .filter(({ statement, action, resource }) =>
        ECS_FOR_EC2_ROLE_V10.Statement.every((managed) => !allows(managed, action, resource, statement)),
      )
      .map(({ action, resource }) => `${action} on ${resource}`);
    expect(beyondManaged).toEqual([]);
  });
});
