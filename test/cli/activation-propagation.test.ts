import { IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { cli, emulatorEnv, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";

// field notes §8.1: `activation create` right after the instance role changed waits for IAM to propagate.

let emu: Emulator;
afterEach(() => emu.stop());

async function setUp() {
  const clock = fakeClock(new Date());
  emu = await startEmulator({ now: () => clock.now() });
  const env = emulatorEnv(emu.url);
  const setup = await cli(["setup", "--cluster", "edge"], env, { clock });
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  const iam = new IAMClient({
    region: "us-east-1",
    endpoint: emu.url,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
  });
  /** Someone rewrites the role's trust policy, now with the given document. */
  const rewriteTrust = async (document: unknown) => {
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyDocument: JSON.stringify(document),
      }),
    );
  };
  const trust = JSON.parse(emu.state.roles.ECSAnywhereRole?.assumeRolePolicyDocument ?? "{}");
  emu.setDelays({ propagationDelayMs: 20_000 });
  const create = () => cli(["activation", "create", "--cluster", "edge", "--output", "json"], env, { clock });
  return { clock, rewriteTrust, trust, create };
}

const answers = () =>
  emu
    .calls()
    .filter((call) => call.action === "CreateActivation")
    .map((call) => call.errorCode ?? call.status);

describe("activation create while IAM propagates", () => {
  it("retries the 'Nonexistent role' answer until SSM sees the changed role, then prints the activation", async () => {
    const { rewriteTrust, trust, create, clock } = await setUp();
    await rewriteTrust(trust);
    const start = clock.now().getTime();
    const run = await create();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).activationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answers()[0]).toBe("ValidationException");
    expect(answers().at(-1)).toBe(200);
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(20_000);
    // The hour of life (the default) counts from the attempt that succeeded, not from before the wait.
    expect(new Date(JSON.parse(run.stdout).expiresAt).getTime()).toBe(
      new Date(emu.state.activations[JSON.parse(run.stdout).activationId]?.createdDate ?? 0).getTime() +
        3_600_000,
    );
  });

  it("gives up on a role that really lacks the ssm principal once the bound is past: exit 1 naming the wait", async () => {
    const { rewriteTrust, create } = await setUp();
    await rewriteTrust({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const run = await create();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /Nonexistent role .* \(still refused after 2m of waiting for IAM to propagate\)/,
    );
    expect(Object.keys(emu.state.activations)).toEqual([]);
  });
});
