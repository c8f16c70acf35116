import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import type { AwsPorts } from "../../../src/adapters/aws/ports.ts";
import { verifyControlPlane } from "../../../src/components/ecs-agent/registration.ts";
import { AwsCallError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator } from "../../emulator/types.ts";
import { emulatorEnv } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";

// A fleet checking the control plane at once: ECS throttles some checks past the SDK's retries. The host is
// registered all the same, so a throttled look is no answer, and is asked again until --verify-timeout.
let emu: Emulator;
let aws: AwsPorts;
let arn: string;
beforeAll(async () => {
  emu = await startEmulator({ clusters: [{ name: "edge", region: "eu-west-1" }] });
  const env = emulatorEnv(emu.url);
  aws = await createAwsPorts({ region: "eu-west-1", env, redactor: new Redactor(), maxAttempts: 1 });
  const { IAMClient, CreateRoleCommand } = await import("@aws-sdk/client-iam");
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "",
    },
  });
  await iam.send(
    new CreateRoleCommand({
      RoleName: "ECSAnywhereRole",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const activation = await aws.ssm.createActivation({
    iamRoleName: "ECSAnywhereRole",
    registrationLimit: 1,
    expiresAt: new Date(Date.now() + 30 * 60_000),
    tags: {},
  });
  const { managedInstanceId } = emu.registerManagedInstance({ ...activation, region: "eu-west-1" });
  arn = emu.registerContainerInstance({ cluster: "edge", managedInstanceId }).containerInstanceArn;
});
afterAll(() => emu.stop());

describe("verifyControlPlane when ECS throttles the check", () => {
  it("asks again after a jittered wait, saying so, and passes once ECS answers", async () => {
    emu.clearCalls();
    emu.inject({ action: "DescribeContainerInstances", kind: "throttle", times: 3 });
    const clock = fakeClock();
    const start = clock.now().getTime();
    const lines: string[] = [];
    await verifyControlPlane(aws.ecs, "edge", arn, {
      clock,
      timeoutMs: 60_000,
      progress: (line) => lines.push(line),
      random: () => 0,
    });
    expect(emu.calls().map((call) => call.errorCode ?? call.status)).toEqual([
      "ThrottlingException",
      "ThrottlingException",
      "ThrottlingException",
      200,
    ]);
    // Equal jitter with the random part at 0: half of 1 s, 2 s, 4 s.
    expect(clock.now().getTime() - start).toBe(500 + 1000 + 2000);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      "[verify] ECS throttled the check of the container instance; asking again (elapsed 0s)",
    );
  });

  it("the random part spreads hosts throttled together: a different draw, a different wait", async () => {
    const waits: number[] = [];
    for (const draw of [0, 0.5, 0.99]) {
      emu.inject({ action: "DescribeContainerInstances", kind: "throttle", times: 1 });
      const clock = fakeClock();
      const start = clock.now().getTime();
      await verifyControlPlane(aws.ecs, "edge", arn, { clock, timeoutMs: 60_000, random: () => draw });
      waits.push(clock.now().getTime() - start);
    }
    expect(waits).toEqual([500, 750, 995]);
  });

  it("gives up at the timeout with the throttling error itself", async () => {
    emu.inject({ action: "DescribeContainerInstances", kind: "throttle", times: 100 });
    const clock = fakeClock();
    const start = clock.now().getTime();
    const error = await verifyControlPlane(aws.ecs, "edge", arn, { clock, timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    emu.clearFaults();
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).message).toBe(
      "ecs:DescribeContainerInstances was throttled by AWS and the retries ran out",
    );
    expect(clock.now().getTime() - start).toBe(10_000);
  });

  it("with no time to wait (one look), a throttled look fails at once", async () => {
    emu.inject({ action: "DescribeContainerInstances", kind: "throttle", times: 1 });
    const clock = fakeClock();
    await expect(verifyControlPlane(aws.ecs, "edge", arn, { clock, timeoutMs: 0 })).rejects.toThrow(
      /throttled by AWS/,
    );
  });
});
