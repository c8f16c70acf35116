import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER, REGION, startWorld, type World } from "../flows/register/harness.ts";
import { startDaemon } from "./harness.ts";

let world: World;
beforeAll(async () => {
  // The emulator also knows the credentials the fake SSM agent writes for the instance role (test/fixtures).
  world = await startWorld({
    emulator: {
      credentials: {
        AKIAEMULATOR0000TEST: "emulator-secret-key-0000000000000000000000",
        ASIAFAKEWORLD0000000: "fake-world-secret",
      },
    },
  });
});
afterAll(async () => {
  await world.stop();
});

/** A daemon with control-plane checks (no repairs) on the world's host, and its control-plane check from /status. */
async function startControlPlaneDaemon() {
  const daemon = await startDaemon(
    { emu: world.emu, host: world.host, env: world.env, logs: [], stop: async () => {} },
    `region: ${REGION}\ncluster: ${CLUSTER}\nhealth:\n  repair: false\n  controlPlane: true\n`,
  );
  const plane = async () => {
    const status = (await (await fetch(`${daemon.url}/status`)).json()) as {
      checks: { name: string; status: string; message: string }[];
    };
    return status.checks.find((check) => check.name === "control-plane");
  };
  return { daemon, plane };
}

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

  it("with control-plane checks on, asks ECS and SSM about its own host with the instance role's credentials", async () => {
    world.emu.clearCalls();
    const { daemon, plane } = await startControlPlaneDaemon();
    try {
      expect(await plane()).toMatchObject({
        status: "ok",
        message: "ACTIVE, agent connected; SSM ping Online",
      });
      expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(
        /^ecs_anywhere_agent_connected 1$/m,
      );
      // Read-only calls only, accepted (the emulator knows the instance role's keys the fake SSM agent wrote).
      expect(new Set(world.emu.calls().map((call) => `${call.action} ${call.status}`))).toEqual(
        new Set(["DescribeContainerInstances 200", "DescribeInstanceInformation 200"]),
      );
      // ECS loses the agent: the next control-plane check (at most once a minute) says so.
      world.emu.setDelays({ agentConnectDelayMs: 24 * 3_600_000 });
      await daemon.nextPass(); // 20 s later: the minute is not over, the verdict is kept
      expect((await plane())?.status).toBe("ok");
      for (let i = 0; i < 3; i++) await daemon.nextPass();
      expect(await plane()).toMatchObject({
        status: "failed",
        message: "ECS says the agent is not connected",
      });
      expect(await (await fetch(`${daemon.url}/metrics`)).text()).toMatch(
        /^ecs_anywhere_agent_connected 0$/m,
      );
      expect((await fetch(`${daemon.url}/readyz`)).status).toBe(503);
    } finally {
      world.emu.setDelays({ agentConnectDelayMs: 0 });
      daemon.stop();
      await daemon.exit;
    }
  });

  it("reads the instance credentials again before each control-plane call: a rotation needs no restart", async () => {
    const { daemon, plane } = await startControlPlaneDaemon();
    const file = "/root/.aws/credentials";
    const good = world.host.readFile(file);
    expect(good).toContain("fake-world-secret");
    const minute = async () => {
      for (let i = 0; i < 4; i++) await daemon.nextPass();
    };
    try {
      expect((await plane())?.status).toBe("ok");
      // The same key id with another secret: the clients built at the first call sign with what the file says now.
      world.host.writeFile(file, good.replace("fake-world-secret", "rotated-secret-0001"), 0o600);
      await minute();
      const refused = await plane();
      expect(refused?.status).toBe("failed");
      expect(JSON.stringify(refused)).not.toContain("rotated-secret-0001");
      // No [default] profile (the SSM agent has not written it yet): the check says so and names the file.
      world.host.writeFile(file, "[other]\naws_access_key_id = AKIAOTHER\n", 0o600);
      await minute();
      const unwritten = await plane();
      expect(unwritten?.status).toBe("failed");
      expect(unwritten?.message).toContain(`${file} has no [default] credentials`);
      world.host.writeFile(file, good, 0o600);
      await minute();
      expect((await plane())?.status).toBe("ok");
    } finally {
      world.host.writeFile(file, good, 0o600);
      daemon.stop();
      await daemon.exit;
    }
  });
});
