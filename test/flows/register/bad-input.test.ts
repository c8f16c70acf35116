import { afterAll, beforeAll, describe, it } from "vitest";
import { expectRefused, startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

const UUID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const CODE = "AValidLookingActivationCode0";

const cases: { name: string; args: () => string[]; env?: Record<string, string>; message: RegExp }[] = [
  {
    name: "an unknown --skip name",
    args: () => ["--skip", "everything"],
    message: /--skip: unknown phase or check "everything"/,
  },
  {
    name: "a phase that cannot be skipped",
    args: () => ["--skip", "run-script"],
    message:
      /--skip: the run-script phase cannot be skipped \(skippable: preflight, normalize-config, verify, activation-cleanup\)/,
  },
  {
    name: "--activation-id without a code",
    args: () => ["--activation-id", UUID],
    message: /--activation-code-file: required with --activation-id/,
  },
  {
    name: "a malformed activation id",
    args: () => ["--activation-id", "not-a-uuid"],
    env: { ECS_ANYWHERE_ACTIVATION_CODE: CODE },
    message: /activation id: must be the UUID/,
  },
  {
    name: "a missing --activation-file",
    args: () => ["--activation-file", `${world.scratch}/no-such-activation.json`],
    message: /--activation-file: file not found: \S+no-such-activation\.json/,
  },
  {
    name: "a code without --activation-id",
    args: () => [],
    env: { ECS_ANYWHERE_ACTIVATION_CODE: CODE },
    message: /--activation-id: required with --activation-code-file or ECS_ANYWHERE_ACTIVATION_CODE/,
  },
];

describe("register with bad input", () => {
  for (const { name, args, env, message } of cases) {
    it(`refuses ${name} with exit 2, writing nothing and calling nothing`, async () => {
      await expectRefused(world, () => world.register(args(), env), message);
    });
  }
});
