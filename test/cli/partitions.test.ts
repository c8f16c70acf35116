import { describe, expect, it } from "vitest";
import { iamSigningRegion, partitionOfRegion } from "../../src/adapters/aws/partition.ts";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

// field notes §5.8: the emulator refuses IAM requests signed for any region but the partition's IAM region, and
// answers ARNs in the partition of the request's region.

const ctx = useEmulator();

describe.each([
  { region: "cn-north-1", partition: "aws-cn" },
  { region: "cn-northwest-1", partition: "aws-cn" },
  { region: "us-gov-west-1", partition: "aws-us-gov" },
  { region: "us-gov-east-1", partition: "aws-us-gov" },
])("setup in $region", ({ region, partition }) => {
  it(`creates roles, policies and the cluster with ${partition} ARNs, IAM signed for its partition`, async () => {
    const run = await cli(["setup", "--cluster", "edge"], { ...ctx.env, ECS_ANYWHERE_REGION: region });
    expect(run.code, run.stderr).toBe(0);
    const { roles, clusters } = ctx.emu.state;
    const account = "123456789012";
    expect(roles.ECSAnywhereRole?.arn).toBe(`arn:${partition}:iam::${account}:role/ECSAnywhereRole`);
    expect(roles.ECSAnywhereRole?.attachedPolicyArns).toEqual([
      `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      `arn:${partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`,
    ]);
    expect(roles.ecsTaskExecutionRole?.attachedPolicyArns).toEqual([
      `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
    ]);
    const trust = JSON.parse(roles.ECSAnywhereRole?.assumeRolePolicyDocument ?? "{}");
    expect(trust.Statement[0].Condition.ArnEquals["aws:SourceArn"]).toBe(
      `arn:${partition}:ssm:${region}:${account}:*`,
    );
    expect(Object.keys(clusters)).toEqual([`arn:${partition}:ecs:${region}:${account}:cluster/edge`]);
    // Only the looks for roles not created yet failed (GetRole: NoSuchEntity): no refused signature.
    expect(ctx.emu.calls().filter((call) => call.status !== 200 && call.action !== "GetRole")).toEqual([]);
  });
});

describe("the IAM signing region", () => {
  it("is the partition's IAM region", () => {
    expect(iamSigningRegion("eu-west-1")).toBe("us-east-1");
    expect(iamSigningRegion("cn-northwest-1")).toBe("cn-north-1");
    expect(iamSigningRegion("us-gov-east-1")).toBe("us-gov-west-1");
    expect(partitionOfRegion("cn-north-1")).toBe("aws-cn");
  });
});
