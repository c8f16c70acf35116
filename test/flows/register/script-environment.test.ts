import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunCommand, run as realRun } from "../../../src/adapters/host/exec.ts";
import { cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { expectJsonSuccess, failureOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const AGENT_DIR = "/var/lib/ecs-anywhere-agent";
const LOG_DIR = "/var/log/ecs-anywhere-agent";

/** `mode uid path` of the install script's working directory, one line per run (the fixture writes it). */
function scriptWorkingDirectories(): { mode: string; uid: string; path: string }[] {
  return world.host
    .readFile("/.fake/install-script-cwd.log")
    .trim()
    .split("\n")
    .map((line) => {
      const [mode = "", uid = "", ...rest] = line.split(" ");
      return { mode, uid, path: rest.join(" ") };
    });
}

describe("the install script's working directory", () => {
  it("is a fresh private folder (0700) under the root, removed afterwards", async () => {
    expectJsonSuccess(await world.register(["--output", "json"]));
    const [cwd] = scriptWorkingDirectories();
    expect(cwd?.mode).toBe("700");
    expect(cwd?.uid).toBe(String(process.geteuid?.()));
    expect(cwd?.path).toMatch(new RegExp(`^${world.host.path(AGENT_DIR)}/run-[^/]+/work$`));
    expect(existsSync(cwd?.path ?? "")).toBe(false);
  });
});

describe("the agent's state and log folders", () => {
  it("already there and world-writable: taken back (0700) before the script is saved or run, and said so", async () => {
    world.host.writeFile(`${AGENT_DIR}/.keep`, "");
    world.host.writeFile(`${LOG_DIR}/.keep`, "");
    const { chmodSync, statSync } = await import("node:fs");
    chmodSync(world.host.path(AGENT_DIR), 0o777);
    chmodSync(world.host.path(LOG_DIR), 0o777);
    const run = await world.register(["--output", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`WARNING: ${AGENT_DIR} was mode 0777 (writable by others); fixed:`);
    expect(run.stderr).toContain(`WARNING: ${LOG_DIR} was mode 0777 (writable by others); fixed:`);
    expect(statSync(world.host.path(AGENT_DIR)).mode & 0o777).toBe(0o700);
    expect(statSync(world.host.path(LOG_DIR)).mode & 0o777).toBe(0o700);
  });

  it("bash runs the verified bytes even when the saved copy is swapped after verification", async () => {
    const marker = world.host.path("/pwned");
    const swapped = `#!/bin/bash\ntouch ${marker}\nexit 0\n`;
    // Another user swaps the saved copy the moment before bash starts.
    const swapping: RunCommand = async (cmd, args, options) => {
      if (cmd === "bash") world.host.writeFile(`${AGENT_DIR}/ecs-anywhere-install.sh`, swapped, 0o777);
      return realRun(cmd, args, options);
    };
    const run = await cli(
      [
        ...world.registerArgs(["--output", "json"]),
        "--root",
        world.host.root,
        "--ecs-agent-url",
        world.host.introspectionUrl,
      ],
      world.env,
      {
        clock: fakeClock(new Date()),
        host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 }, run: swapping },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(world.scriptRuns()).toBe(1);
    expect(JSON.parse(run.stdout).outcome).toBe("registered");
  });
});

describe("an install script that dies under set -e", () => {
  it("exit 127 (openssl missing): reported as a missing command, naming it", async () => {
    const run = await world.register([], { FAKE_MISSING_TOOLS: "openssl" });
    expect(run.code).toBe(1);
    const { error, fix } = failureOf(run);
    expect(error).toMatch(
      /^error: the install script failed with exit code 127 \(a command it runs is not installed\): \[stderr\] .*openssl: command not found$/,
    );
    expect(fix).toMatch(/install the missing command named in the last line/);
  });

  it("exit 100 (the package manager): reported as such", async () => {
    const run = await world.register([], { FAKE_APT_FAIL: "1" });
    expect(run.code).toBe(1);
    const { error, fix } = failureOf(run);
    expect(error).toBe(
      "error: the install script failed with exit code 100 (the package manager failed): E: Unable to locate package jq",
    );
    expect(fix).toMatch(/make the package manager work/);
  });
});
