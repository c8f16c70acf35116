// A fresh host has no signing key file anywhere: register verifies the script with the Amazon ECS key built into
// the agent. The fixture script is signed by a throwaway key, so the built-in key's verdict is a refusal that names
// both keys: proof that the pinned Amazon key (not a file, not the signer's own key) is what the script is held to.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../../../src/components/install-script/verify.ts";
import { CLUSTER, failureOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("register with no signing key file or URL", () => {
  it("passes preflight and verifies the script against the built-in Amazon ECS key", async () => {
    const run = await world.agent([
      "register",
      "--cluster",
      CLUSTER,
      "--install-script-url",
      world.server.url,
    ]);
    expect(run.code).toBe(1);
    // gpg knows only the built-in key: the signer is named by its key id (the fingerprint's last 16 digits).
    expect(failureOf(run).error).toContain(
      `does not verify with the pinned key ${AMAZON_ECS_KEY_FINGERPRINT} (it was signed by another key, ${world.key.fingerprint.slice(-16)})`,
    );
    expect(world.scriptRuns()).toBe(0);
  });

  it("check names the built-in key, its fingerprint and how long it is valid", async () => {
    const run = await world.agent(["check", "--output", "json", "--skip", "root"]);
    const doc = JSON.parse(run.stdout) as { checks: { id: string; status: string; summary: string }[] };
    expect(doc.checks.find((check) => check.id === "signing-key")).toMatchObject({
      status: "ok",
      summary: `the Amazon ECS key built into the agent (${AMAZON_ECS_KEY_FINGERPRINT}): valid, no expiry`,
    });
  });
});
