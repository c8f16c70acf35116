import { CreateRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { cli, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

// B14: the ssm.amazonaws.com trust statement's confused-deputy conditions (field notes §5.1).

const ctx = useEmulator();
const OPEN_SSM_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const CONDITIONS = {
  StringEquals: { "aws:SourceAccount": "123456789012" },
  ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-west-1:123456789012:*" },
};

const iam = () =>
  new IAMClient({
    region: "us-east-1",
    endpoint: ctx.emu.url,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
  });
const trustOf = () => JSON.parse(ctx.emu.state.roles.ECSAnywhereRole?.assumeRolePolicyDocument ?? "{}");

describe("trust-policy drift", () => {
  it("plans and restores the conditions removed from the agent's own instance role", async () => {
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
    await iam().send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyDocument: JSON.stringify(OPEN_SSM_TRUST),
      }),
    );
    const plan = await cli(["setup", "--dry-run", "--output", "json"], ctx.env);
    expect(JSON.parse(plan.stdout).changes).toContainEqual(
      expect.objectContaining({
        id: "instance-role/trust-policy",
        action: "update",
        reason:
          "trust policy's ssm.amazonaws.com statement lacks the condition(s) aws:SourceAccount, aws:SourceArn",
      }),
    );
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
    expect(trustOf().Statement).toEqual([{ ...OPEN_SSM_TRUST.Statement[0], Condition: CONDITIONS }]);
    const again = await cli(["setup", "--dry-run", "--output", "json"], ctx.env);
    expect(JSON.parse(again.stdout).changes ?? []).toEqual([]);
  });

  it("only warns, with the fix, about a role it did not create", async () => {
    await iam().send(
      new CreateRoleCommand({
        RoleName: "ECSAnywhereRole",
        AssumeRolePolicyDocument: JSON.stringify(OPEN_SSM_TRUST),
      }),
    );
    const run = await cli(["setup", "--output", "json"], ctx.env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const step = report.steps.find((s: { id: string }) => s.id === "instance-role");
    expect(JSON.stringify(step)).toContain("aws:SourceAccount, aws:SourceArn");
    expect(JSON.stringify(step)).toContain(JSON.stringify(CONDITIONS).replaceAll('"', '\\"'));
    // The foreign role's trust policy is left as it was.
    expect(trustOf()).toEqual(OPEN_SSM_TRUST);
    const text = await cli(["setup"], ctx.env);
    expect(text.stdout).toMatch(/lacks aws:SourceAccount, aws:SourceArn/);
  });
});
