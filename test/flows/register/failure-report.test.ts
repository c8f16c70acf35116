import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

/** A `register` that fails late says what it did before: the phase table, the count, the failed change. */
describe("register failing after most phases applied", () => {
  it("prints the phase table with the failed one marked and how far it got (JSON: test/cli/failure-report.test.ts)", async () => {
    world.emu.inject({ action: "DeleteActivation", kind: "server-error", times: 4 });
    const run = await world.register(["--max-attempts", "1"]);
    // The single-use activation could not be deleted: the run failed after the host registered.
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toContain("OK preflight: 14 checks passed or warned");
    expect(lines).toContainEqual(expect.stringMatching(/^CHANGED run-script: ran the install script/));
    expect(lines).toContainEqual(expect.stringMatching(/^FAIL activation-cleanup: ssm:DeleteActivation/));
    expect(lines).toContain(
      "failed at activation-cleanup; applied before it: activation, ecs-config, install-script, run-script",
    );
    expect(lines).toContain(
      "completed 9 of 11 steps; failed: delete the activation once registration is verified; not run: state",
    );
    expect(lines.at(-2)).toMatch(/^error: ssm:DeleteActivation on \S+ failed after 1 attempt/);
  });
});
