import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER, REGION, startWorld, type World } from "../flows/register/harness.ts";
import { startDaemon } from "./harness.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

describe("daemon --register-on-start", () => {
  it("registers an unregistered host first (the register steps, the activation deleted), then serves it ready", async () => {
    const activation = await world.supplyActivation();
    const config = [
      `region: ${REGION}`,
      `cluster: ${CLUSTER}`,
      "host:",
      "  installScript:",
      `    url: ${world.server.url}`,
      `    gpgKeyFile: ${world.keyFile}`,
      `    fingerprint: ${world.key.fingerprint}`,
      "health:",
      "  repair: false",
      "",
    ].join("\n");
    const daemon = await startDaemon(
      { emu: world.emu, host: world.host, env: world.env, logs: [], stop: async () => {} },
      config,
      {},
      ["--register-on-start", "--activation-file", activation.file],
    );
    try {
      expect(
        daemon.logs().map((entry) => entry.msg),
        JSON.stringify(daemon.logs().map((e) => e.msg)),
      ).toContain("not registered: registering first (--register-on-start)");
      expect(world.scriptRuns()).toBe(1);
      const status = (await (await fetch(`${daemon.url}/status`)).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ registered: true, cluster: CLUSTER });
      expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
      // The single-use activation is gone once used.
      expect(world.emu.state.activations[activation.id]).toBeUndefined();
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });

  it("on a registered host it registers nothing, and calls no AWS API at all", async () => {
    world.emu.clearCalls();
    const file = join(world.scratch, "unused-activation.json");
    writeFileSync(file, "{}");
    const daemon = await startDaemon(
      { emu: world.emu, host: world.host, env: world.env, logs: [], stop: async () => {} },
      `region: ${REGION}\ncluster: ${CLUSTER}\nhealth:\n  repair: false\n`,
      {},
      ["--register-on-start", "--activation-file", file],
    );
    try {
      expect(daemon.logs().map((entry) => entry.msg)).not.toContain(
        "not registered: registering first (--register-on-start)",
      );
      expect(world.scriptRuns()).toBe(1);
      await daemon.nextPass();
      expect(world.emu.calls()).toEqual([]);
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });
});
