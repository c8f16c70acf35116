import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { startWorld, type World } from "./harness.ts";
import { filesUnder, modeOf } from "./inspect.ts";

const LOG_DIR = "/var/log/ecs-anywhere-agent";
/** The just-in-time activation's code, planted in the emulator; the fixture script echoes it (a careless script). */
const CODE = "PlantedProgressCode0123456789";
const KEY_WARNING =
  /^WARNING: --insecure-key-fingerprint: trusting signing key [0-9A-F]{40} instead of the pinned Amazon ECS key$/;
const PROGRESS = /^\[run-script \d+:\d\d\] /;

let world: World;
let run: CliResult;
let logFile: string;
beforeAll(async () => {
  world = await startWorld();
  world.emu.setNextActivationCode(CODE);
  run = await world.register([], { FAKE_INSTALL_ECHO_CODE: "1" });
  const logs = readdirSync(world.host.path(LOG_DIR)).filter((name) => /^install-.*\.log$/.test(name));
  if (logs.length !== 1) throw new Error(`expected one install log, found ${logs.join(", ") || "none"}`);
  logFile = `${LOG_DIR}/${logs[0]}`;
});
afterAll(() => world.stop());

describe("register's progress and the install log, with a script that prints its activation code", () => {
  it("registered, using the planted code", () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Registered: /);
    const nodes = Object.values(world.emu.state.managedInstances);
    expect(nodes).toHaveLength(1);
    expect(world.scriptRuns()).toBe(1);
  });

  it("shows the script's steps on stderr as [run-script m:ss] lines, and nothing else of its output", () => {
    const lines = run.stderr.split("\n").filter((line) => line !== "");
    const progress = lines.filter((line) => PROGRESS.test(line));
    expect(progress).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[run-script \d+:\d\d\] Trying to Update apt repos$/),
        expect.stringMatching(/^\[run-script \d+:\d\d\] Trying to install ssm agent$/),
        expect.stringMatching(/^\[run-script \d+:\d\d\] Trying to Register SSM agent$/),
        expect.stringMatching(/^\[run-script \d+:\d\d\] Trying to install ecs agent$/),
        expect.stringMatching(/^\[run-script \d+:\d\d\] Trying to wait for ECS agent to start$/),
        expect.stringMatching(
          /^\[run-script \d+:\d\d\] Ping ECS Agent registered successfully! Container instance arn: "arn:aws:ecs:/,
        ),
      ]),
    );
    // In the script's order.
    const order = ["Update apt repos", "install ssm agent", "install ecs agent", "wait for ECS agent"];
    const positions = order.map((step) => progress.findIndex((line) => line.includes(step)));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // The rest of stderr is the harness's key warning: the script's own lines (the leaked one included) are not there.
    expect(lines.filter((line) => !PROGRESS.test(line) && !KEY_WARNING.test(line))).toEqual([]);
  });

  it("keeps the script's whole output in a 0600 install log, the code replaced by ****", () => {
    expect(modeOf(world.host.path(logFile))).toBe("0600");
    expect(modeOf(world.host.path(LOG_DIR))).toBe("0700");
    const log = world.host.readFile(logFile);
    expect(log).toContain("# Trying to install ssm agent");
    expect(log).toContain("Ping ECS Agent registered successfully!");
    // Both leaked lines are there, masked: stdout as is, stderr marked.
    expect(log).toMatch(/^Using activation code \*\*\*\* for activation [0-9a-f-]{36}$/m);
    expect(log).toMatch(/^\[stderr\] debug: activation code is \*\*\*\*$/m);
    expect(log).not.toContain(CODE);
  });

  it("never shows the code: not on stdout, not on stderr, not in any file under ROOT", () => {
    expect(run.stdout).not.toContain(CODE);
    expect(run.stderr).not.toContain(CODE);
    const leaking = filesUnder(world.host.root)
      .filter(({ content }) => content.includes(CODE))
      .map(({ path }) => path);
    expect(leaking).toEqual([]);
  });
});
