import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failureOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("register when the signing key file the config names is missing", () => {
  it("fails in preflight, naming the file and the fix: no activation, no ecs.config, no script", async () => {
    const missing = join(world.scratch, "missing", "amazon-ecs-agent.asc");
    const config = await world.operatorFile(
      "config.yaml",
      `host:\n  installScript:\n    gpgKeyFile: ${missing}\n`,
    );
    // The world's register passes --gpg-key-file; this run relies on the config file alone.
    const args = world.registerArgs(["--config", config]);
    const at = args.indexOf("--gpg-key-file");
    args.splice(at, 2);
    const run = await world.agent(args);

    expect(run.code).toBe(1);
    const { error, fix } = failureOf(run);
    expect(error).toContain(`the Amazon ECS signing key is missing: ${missing}`);
    expect(fix).toMatch(
      /save the public key with fingerprint [0-9A-F]{40} to \S+amazon-ecs-agent\.asc, or leave --gpg-key-file and host\.installScript\.gpgKeyFile unset/,
    );
    expect(world.emu.calls().filter((call) => call.action === "CreateActivation")).toEqual([]);
    expect(world.host.exists("/etc/ecs/ecs.config")).toBe(false);
    expect(world.host.exists("/var/lib/ecs-anywhere-agent/ecs-anywhere-install.sh")).toBe(false);
    expect(world.scriptRuns()).toBe(0);
  });
});
