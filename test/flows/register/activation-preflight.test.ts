import { readFile, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { REGION, startWorld, type World } from "./harness.ts";

/** a supplied activation that can register no host fails in preflight, before anything changes. */

const ECS_CONFIG = "/etc/ecs/ecs.config";
// The emulator's clock runs `offsetMs` ahead of real time, so an activation can expire without waiting.
let offsetMs = 0;
let world: World;
beforeEach(async () => {
  offsetMs = 0;
  world = await startWorld({ emulator: { now: () => new Date(Date.now() + offsetMs) } });
});
afterEach(() => world.stop());

/** Exit 2 naming the activation and why; no script run, no ecs.config, no mutating AWS call. */
function expectCaughtEarly(run: CliResult, id: string, why: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(`activation ${id}`);
  expect(run.stderr).toMatch(why);
  expect(run.stderr).toMatch(/fix: create a new one \(ecs-anywhere-agent activation create/);
  expect(world.scriptRuns()).toBe(0);
  expect(world.host.exists(ECS_CONFIG)).toBe(false);
  expect(world.emu.mutatingCalls()).toEqual([]);
}

describe("register with a supplied activation that can register no host", () => {
  it("expired (SSM says so): exit 2 in preflight, the install script run 0 times, no ecs.config", async () => {
    const activation = await world.supplyActivation(["--expires-in", "1m"]);
    offsetMs = 2 * 3600_000;
    const run = await world.register(["--activation-file", activation.file]);
    expectCaughtEarly(run, activation.id, /expired at/);
    expect(world.emu.calls().map((call) => call.action)).toContain("DescribeActivations");
  });

  it("used up by another host: exit 2 in preflight", async () => {
    const activation = await world.supplyActivation(["--registration-limit", "1"]);
    world.emu.registerManagedInstance({
      activationId: activation.id,
      activationCode: activation.code,
      region: REGION,
    });
    world.emu.clearCalls();
    const run = await world.register(["--activation-id", activation.id], {
      ECS_ANYWHERE_ACTIVATION_CODE: activation.code,
    });
    expectCaughtEarly(run, activation.id, /used up \(1 of 1 registrations\)/);
  });

  it("expired by the file's record when AWS cannot be asked (no credentials), in a dry run too", async () => {
    const activation = await world.supplyActivation();
    const json = JSON.parse(await readFile(activation.file, "utf8"));
    await writeFile(
      activation.file,
      JSON.stringify({ ...json, expiresAt: new Date(Date.now() - 60_000).toISOString() }),
    );
    const noCredentials = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
    for (const extra of [[], ["--dry-run"]]) {
      const run = await world.register(["--activation-file", activation.file, ...extra], noCredentials);
      expectCaughtEarly(run, activation.id, /expired at/);
    }
    expect(world.emu.calls()).toEqual([]);
  });

  it("a live one passes the check (DescribeActivations) and registers", async () => {
    const activation = await world.supplyActivation();
    const run = await world.register(["--activation-file", activation.file]);
    expect(run.code, run.stderr).toBe(0);
    expect(world.scriptRuns()).toBe(1);
  });
});
