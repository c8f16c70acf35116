import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator } from "../../emulator/types.ts";
import { cli, emulatorEnv } from "../../support/cli.ts";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.stop());

describe("the SSM port's deleteActivation", () => {
  it("treats InvalidActivation ('might have been deleted') like InvalidActivationId: both mean gone", async () => {
    const env = emulatorEnv(emu.url);
    expect((await cli(["setup"], env)).code).toBe(0);
    const aws = await createAwsPorts({ region: "eu-west-1", env, redactor: new Redactor(), maxAttempts: 1 });
    const { activationId } = await aws.ssm.createActivation({
      iamRoleName: "ECSAnywhereRole",
      registrationLimit: 1,
      expiresAt: new Date(Date.now() + 3_600_000),
      tags: {},
    });
    await aws.ssm.deleteActivation(activationId);
    // field notes §8.3: deleting it again answers InvalidActivation.
    await expect(aws.ssm.deleteActivation(activationId)).resolves.toBeUndefined();
    await expect(aws.ssm.deleteActivation("00000000-0000-4000-8000-000000000000")).resolves.toBeUndefined();
    expect(
      emu
        .calls()
        .filter((call) => call.action === "DeleteActivation")
        .map((call) => call.errorCode ?? call.status),
    ).toEqual([200, "InvalidActivation", "InvalidActivationId"]);
  });
});
