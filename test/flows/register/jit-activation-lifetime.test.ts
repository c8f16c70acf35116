import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActivationSnapshot, EmulatorState } from "../../emulator/types.ts";
import { failureOf, startWorld, type World } from "./harness.ts";

/**
 * The install script the server serves (signed like the real one): it snapshots the emulator's state while it runs,
 * that is while the just-in-time activation exists, then fails. The fakes' environment has EMULATOR_URL and node.
 */
const SNAPSHOT_THEN_FAIL = `#!/bin/bash
set -euo pipefail
node -e '
  fetch(process.env.EMULATOR_URL + "/__emulator/state")
    .then((answer) => answer.text())
    .then((text) => require("node:fs").writeFileSync(process.env.FAKE_ROOT + "/.fake/state-during-run.json", text));
'
echo "snapshot taken; failing on purpose"
exit 1
`;

const MINUTE = 60_000;

let world: World;
beforeEach(async () => {
  world = await startWorld({ script: SNAPSHOT_THEN_FAIL });
});
afterEach(() => world.stop());

const actions = () => world.emu.calls().map((call) => call.action);

/** Runs register (the script fails), and returns the one activation that existed while the script ran. */
async function activationDuringFailedRun(args: string[] = []): Promise<ActivationSnapshot> {
  const run = await world.register(args);
  expect(run.code).toBe(1);
  expect(failureOf(run).error).toMatch(/install script failed with exit code 1: snapshot taken/);
  const during = JSON.parse(world.host.readFile("/.fake/state-during-run.json")) as EmulatorState;
  const activations = Object.values(during.activations);
  expect(activations).toHaveLength(1);
  return activations[0] as ActivationSnapshot;
}

/** What must hold for every just-in-time activation, and that the failed run deleted it (review fix). */
function expectSingleUseShortAndGone(activation: ActivationSnapshot): void {
  expect(activation.registrationLimit).toBe(1);
  expect(activation.registrationsCount).toBe(0);
  const lifetime = Date.parse(activation.expirationDate) - Date.parse(activation.createdDate);
  expect(lifetime).toBeLessThanOrEqual(30 * MINUTE);
  expect(lifetime).toBeGreaterThan(25 * MINUTE); // short, but long enough to be used
  expect(activation.iamRole).toBe("ECSAnywhereRole");

  expect(actions().filter((action) => action === "CreateActivation")).toHaveLength(1);
  expect(actions().filter((action) => action === "DeleteActivation")).toHaveLength(1);
  expect(world.emu.state.activations).toEqual({});
  const state = JSON.parse(world.host.readFile("/var/lib/ecs-anywhere-agent/state.json"));
  expect(state.pendingActivationId).toBeUndefined();
  expect(state.journal.at(-1)).toMatchObject({ step: "run-script", status: "failed" });
}

describe("the activation register creates just in time", () => {
  it("is single-use, expires within 30 minutes, and is deleted when the run fails", async () => {
    expectSingleUseShortAndGone(await activationDuringFailedRun());
  });

  it("stays single-use and short when the config asks for a long-lived, multi-use activation", async () => {
    const config = await world.operatorFile(
      "generous.yaml",
      "activation:\n  expiresIn: 7d\n  registrationLimit: 50\n",
    );
    expectSingleUseShortAndGone(await activationDuringFailedRun(["--config", config]));
  });
});
