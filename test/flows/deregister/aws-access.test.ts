import { describe, expect, it } from "vitest";
import type { AwsPorts } from "../../../src/adapters/aws/ports.ts";
import { awsOrPlan, decideAwsAccess } from "../../../src/flows/deregister/aws-access.ts";
import type { AwsAccess, DeregisterContext } from "../../../src/flows/deregister/types.ts";

/** Whether deregister may call AWS, decided once, and what each action plans when it may not. */

const PORTS = { marker: "ports" } as unknown as AwsPorts;

describe("decideAwsAccess", () => {
  it("--local-only skips every AWS action, credentials or not", () => {
    for (const hasCredentials of [true, false]) {
      expect(
        decideAwsAccess({ localOnly: true, hasCredentials, region: "eu-west-1", ports: async () => PORTS }),
      ).toStrictEqual({ ready: false, status: "skipped", reason: "skipped (--local-only)" });
    }
  });

  it("without credentials every AWS action fails, saying how to provide them or opt out", () => {
    const access = decideAwsAccess({
      localOnly: false,
      hasCredentials: false,
      region: "eu-west-1",
      ports: async () => PORTS,
    });
    expect(access).toMatchObject({ ready: false, status: "failed", reason: "no AWS credentials" });
    expect(access).toHaveProperty("remediation", expect.stringMatching(/AWS_PROFILE.*--local-only$/));
  });

  it("with credentials: ready in the region, the clients built once, on first use", async () => {
    const asked: string[] = [];
    const access = decideAwsAccess({
      localOnly: false,
      hasCredentials: true,
      region: "eu-west-1",
      ports: async (region) => {
        asked.push(region);
        return PORTS;
      },
    });
    expect(access).toMatchObject({ ready: true, region: "eu-west-1" });
    expect(asked).toEqual([]);
    if (!access.ready) throw new Error("not ready");
    expect(await access.ports()).toBe(PORTS);
    expect(await access.ports()).toBe(PORTS);
    expect(asked).toEqual(["eu-west-1"]);
  });
});

describe("awsOrPlan", () => {
  const context = (aws: AwsAccess) => ({ aws }) as DeregisterContext;
  const ready: AwsAccess = { ready: true, region: "eu-west-1", ports: async () => PORTS };
  const plan = (aws: AwsAccess, region?: string) =>
    awsOrPlan(
      context(aws),
      "managed instance mi-1",
      "aws ssm deregister-managed-instance --instance-id mi-1",
      region,
    );

  it.each<[string, AwsAccess, unknown]>([
    [
      "skipped: the step is skipped and says how to finish by hand",
      { ready: false, status: "skipped", reason: "skipped (--local-only)" },
      {
        status: "skipped",
        summary: "skipped (--local-only): managed instance mi-1 stays registered",
        remediation: "run: aws ssm deregister-managed-instance --instance-id mi-1",
      },
    ],
    [
      "no credentials: the step fails with both fixes",
      { ready: false, status: "failed", reason: "no AWS credentials", remediation: "set AWS_PROFILE" },
      {
        status: "failed",
        summary: "no AWS credentials: managed instance mi-1 stays registered",
        remediation: "set AWS_PROFILE and run: aws ssm deregister-managed-instance --instance-id mi-1",
      },
    ],
  ])("%s", (_name, aws, expected) => {
    expect(plan(aws)).toStrictEqual({ plan: expected });
  });

  it("a resource in another region fails instead of calling the wrong one", () => {
    expect(plan(ready, "us-east-1")).toStrictEqual({
      plan: {
        status: "failed",
        summary: "managed instance mi-1 is in us-east-1, but AWS calls would go to eu-west-1",
        remediation: "re-run with --region us-east-1",
      },
    });
  });

  it.each([
    ["the same region", "eu-west-1"],
    ["an unknown region", undefined],
  ])("%s: the ports", (_name, region) => {
    expect(plan(ready, region)).toStrictEqual({ ports: ready.ready ? ready.ports : undefined });
  });
});
