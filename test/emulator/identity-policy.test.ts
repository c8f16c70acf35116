import { CreateClusterCommand, DescribeContainerInstancesCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../support/emulator.ts";
import { checkIdentityPolicy, type IdentityPolicy, policyAllows } from "./identity-policy.ts";
import { clients } from "./sdk-clients.ts";

const ROLE = "arn:aws:iam::123456789012:role/ECSAnywhereRole";

describe("policyAllows", () => {
  const policy: IdentityPolicy = {
    Statement: [
      {
        Effect: "Allow",
        Action: ["iam:Get*", "ecs:DescribeClusters"],
        Resource: "arn:*:iam::*:role/ECSAnywhere?ole",
      },
      { Effect: "Allow", Action: "ssm:*", Resource: "*" },
      { Effect: "Deny", Action: "ssm:DeleteActivation", Resource: "*" },
    ],
  };

  it.each([
    ["iam:GetRole", ROLE, true],
    ["IAM:getrole", ROLE, true], // action names are case-insensitive
    ["iam:GetRole", ROLE.toLowerCase(), false], // ARNs are not
    ["iam:GetRole", "arn:aws:iam::123456789012:role/ECSAnywhereRoleX", false],
    ["iam:CreateRole", ROLE, false],
    ["ecs:DescribeClusters", "arn:aws:ecs:eu-west-1:123456789012:cluster/edge", false], // wrong resource
    ["ssm:CreateActivation", "*", true],
    ["ssm:DeleteActivation", "*", false], // an explicit Deny wins
  ])("%s on %s: %s", (action, resource, allowed) => {
    expect(policyAllows(policy, action, resource)).toBe(allowed);
  });

  it("rejects a document without statements", () => {
    expect(() => checkIdentityPolicy({ Version: "2012-10-17" })).toThrow(/Statement/);
    expect(() =>
      checkIdentityPolicy({ Statement: [{ Effect: "Maybe", Action: "*", Resource: "*" }] }),
    ).toThrow();
  });
});

describe("an emulator holding an identity policy", () => {
  const ctx = useEmulator();

  it("authorizes CreateCluster's tags as ecs:TagResource, and container-instance calls on the instance ARN", async () => {
    const c = clients(ctx.emu.url, { region: "eu-west-1" });
    ctx.emu.setIdentityPolicy({
      Statement: [
        { Effect: "Allow", Action: "ecs:CreateCluster", Resource: "arn:aws:ecs:*:*:cluster/*" },
        {
          Effect: "Allow",
          Action: "ecs:DescribeContainerInstances",
          Resource: "arn:aws:ecs:*:*:container-instance/edge/*",
        },
      ],
    });
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    await expect(
      c.ecs.send(new CreateClusterCommand({ clusterName: "tagged", tags: [{ key: "a", value: "b" }] })),
    ).rejects.toThrow(/ecs:TagResource on resource: arn:aws:ecs:eu-west-1:123456789012:cluster\/tagged/);
    const out = await c.ecs.send(
      new DescribeContainerInstancesCommand({ cluster: "edge", containerInstances: ["0123456789abcdef"] }),
    );
    expect(out.failures?.[0]?.reason).toBe("MISSING");
    ctx.emu.setIdentityPolicy(undefined);
    await c.ecs.send(new CreateClusterCommand({ clusterName: "tagged", tags: [{ key: "a", value: "b" }] }));
  });
});
