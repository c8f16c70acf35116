import { describe, expect, it } from "vitest";
import {
  actionCovered,
  asList,
  CONTAINER_INSTANCE_POLICY,
  ECS_FOR_EC2_ROLE_V10,
  instanceRolePolicies,
  SELF_OBSERVATION_POLICY,
} from "../../src/policies/index.ts";
import { expectGoldenJson } from "../support/golden.ts";
import { config, ctx } from "./fixtures.ts";

const managed = config().instanceRole;
const leastPrivilege = config({ instanceRole: { permissions: "least-privilege" } }).instanceRole;
const withSelfObservation = config({
  instanceRole: { permissions: "least-privilege", selfObservation: true },
}).instanceRole;

describe("instanceRolePolicies", () => {
  it("attaches both managed policies and no inline policy in managed mode", () => {
    const policies = instanceRolePolicies(managed, ctx);
    expect(policies.inline).toEqual({});
    expectGoldenJson("policies/instance-role-managed.json", policies);
  });

  it("attaches only AmazonSSMManagedInstanceCore plus the container-instance policy in least-privilege mode", () => {
    const policies = instanceRolePolicies(leastPrivilege, ctx);
    expect(policies.managedPolicyArns).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
    expect(Object.keys(policies.inline)).toEqual([CONTAINER_INSTANCE_POLICY]);
    expectGoldenJson("policies/instance-role-least-privilege.json", policies);
  });

  it("adds the self-observation policy when asked", () => {
    const policies = instanceRolePolicies(withSelfObservation, ctx);
    expect(Object.keys(policies.inline)).toEqual([CONTAINER_INSTANCE_POLICY, SELF_OBSERVATION_POLICY]);
    expectGoldenJson("policies/instance-role-least-privilege-self-observation.json", policies);
  });

  it("writes managed policy and ECS ARNs in the caller's partition", () => {
    const china = { ...ctx, partition: "aws-cn", region: "cn-north-1" };
    const policies = instanceRolePolicies(leastPrivilege, china);
    expect(policies.managedPolicyArns).toEqual(["arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
    expect(JSON.stringify(policies.inline)).toContain("arn:aws-cn:ecs:cn-north-1:111122223333:cluster/edge");
    expect(JSON.stringify(policies.inline)).not.toContain("arn:aws:");
  });
});

describe("the least-privilege container-instance policy", () => {
  // Built inside each test, so a builder that throws fails that test rather than the whole file.
  const statements = () =>
    instanceRolePolicies(leastPrivilege, ctx).inline[CONTAINER_INSTANCE_POLICY]?.Statement ?? [];
  const actionsOf = () => statements().flatMap((s) => asList(s.Action));
  const managedActions = ECS_FOR_EC2_ROLE_V10.Statement.flatMap((s) => asList(s.Action));

  it("grants nothing AmazonEC2ContainerServiceforEC2Role does not (wildcards such as ecs:Submit* match)", () => {
    const actions = actionsOf();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => !actionCovered(action, managedActions))).toEqual([]);
  });

  it("cannot create clusters or read EC2 tags", () => {
    const actions = actionsOf();
    expect(actions).not.toContain("ecs:CreateCluster");
    expect(actions).not.toContain("ec2:DescribeTags");
  });

  it("lets ecs:TagResource act only as part of a container-instance registration", () => {
    const tagging = statements().find((s) => asList(s.Action).includes("ecs:TagResource"));
    expect(tagging?.Condition).toEqual({
      StringEquals: { "ecs:CreateAction": ["RegisterContainerInstance"] },
    });
  });

  it("scopes every ECS action with a resource type to this cluster", () => {
    const unscoped = statements()
      .filter((s) => asList(s.Resource).includes("*"))
      .flatMap((s) => asList(s.Action))
      .filter((a) => a.startsWith("ecs:"));
    expect(unscoped.sort()).toEqual(["ecs:DiscoverPollEndpoint", "ecs:TagResource"]);
  });
});
