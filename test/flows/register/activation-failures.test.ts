import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { failureOf, REGION, startWorld, type World } from "./harness.ts";

// The emulator's clock runs `offsetMs` ahead of real time, so an activation can expire without waiting.
let offsetMs = 0;
let world: World;
beforeEach(async () => {
  offsetMs = 0;
  world = await startWorld({ emulator: { now: () => new Date(Date.now() + offsetMs) } });
});
afterEach(() => world.stop());

/** Exit 1 naming the cause; the script ran once; nothing (output, state, cloud) claims a registration. */
function expectRejected(run: CliResult, cause: RegExp): void {
  expect(run.code).toBe(1);
  const { error } = failureOf(run);
  expect(error).toMatch(/InvalidActivation/);
  expect(error).toMatch(cause);
  expect(run.stdout).not.toMatch(/Registered|registered successfully/);
  expect(world.scriptRuns()).toBe(1);
  expect(world.emu.state.managedInstances).toEqual({});
  expect(world.emu.state.containerInstances).toEqual({});
  expect(world.host.exists("/var/lib/amazon/ssm/registration")).toBe(false);
  const state = JSON.parse(readFileSync(world.host.path("/var/lib/ecs-anywhere-agent/state.json"), "utf8"));
  expect(state.containerInstanceArn).toBeUndefined();
  expect(state.registeredAt).toBeUndefined();
  expect(state.journal.at(-1)).toMatchObject({ step: "run-script", status: "failed" });
}

// Preflight catches an expired or used-up activation when it may ask SSM (activation-preflight.test.ts); these
// runs may not (ssm:DescribeActivations denied), so the install script finds out, as it would after a race.
describe("register with an activation SSM rejects", () => {
  it("fails with exit 1 naming an expired activation", async () => {
    const activation = await world.supplyActivation(["--expires-in", "1m"]);
    offsetMs = 2 * 3600_000;
    world.emu.deny("ssm:DescribeActivations");
    const run = await world.register(["--activation-file", activation.file]);
    expectRejected(run, /expired/i);
  });

  it("fails with exit 1 naming a wrong activation code", async () => {
    const activation = await world.supplyActivation();
    const codeFile = await world.operatorFile("code", "Wrong0Code0Of0Twenty0Chars");
    const run = await world.register(["--activation-id", activation.id, "--activation-code-file", codeFile]);
    expectRejected(run, /InvalidActivation\b/);
  });

  it("fails with exit 1 naming an exhausted registration limit", async () => {
    const activation = await world.supplyActivation(["--registration-limit", "1"]);
    // Another host used the only registration.
    world.emu.registerManagedInstance({
      activationId: activation.id,
      activationCode: activation.code,
      region: REGION,
    });
    world.emu.deny("ssm:DescribeActivations");
    const run = await world.register(["--activation-file", activation.file]);
    expect(run.code).toBe(1);
    expect(failureOf(run).error).toMatch(/^error: .*InvalidActivation.*registration limit/);
    expect(run.stdout).not.toMatch(/Registered|registered successfully/);
    expect(world.scriptRuns()).toBe(1);
    expect(Object.keys(world.emu.state.managedInstances)).toHaveLength(1); // only the other host's
    expect(world.emu.state.containerInstances).toEqual({});
    expect(world.host.exists("/var/lib/amazon/ssm/registration")).toBe(false);
  });
});
