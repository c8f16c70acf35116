import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { systemdWords } from "../../src/checks/host-files.ts";

const REGISTER_UNIT = "systemd/ecs-anywhere-register.service";
const AGENT_UNIT = "systemd/ecs-anywhere-agent.service";
/** The daemon's own deadline for a clean exit after SIGTERM. */
const DAEMON_SHUTDOWN_DEADLINE_SEC = 10;
const analyze = spawnSync("systemd-analyze", ["--version"]);
// Skipped only outside CI when systemd-analyze is absent; CI installs it (.ci/run).
const noAnalyze = analyze.error !== undefined && !process.env.CI;

/**
 * `systemd-analyze verify` of a shipped unit with the real bundle as ExecStart (the paths in ExecStart= must
 * exist where it runs). It exits 0 on some bad values, so its stderr must be empty too (field notes §7.9).
 */
function verify(unitFile: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "ecsa-unit-"));
  try {
    const name = unitFile.split("/").pop() as string;
    const text = readFileSync(unitFile, "utf8").replaceAll(
      "/usr/local/bin/ecs-anywhere-agent",
      resolve("dist/ecs-anywhere-agent.mjs"),
    );
    writeFileSync(join(dir, name), text);
    const run = spawnSync("systemd-analyze", ["verify", join(dir, name)], { encoding: "utf8" });
    return { status: run.status, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every value of a directive in a unit file (later lines win in systemd; lists accumulate). */
function values(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((match) => match[1] as string);
}

/** The NODE_OPTIONS values the unit's Environment= lines set. */
function nodeOptions(text: string): string[] {
  return values(text, "Environment")
    .flatMap((line) => systemdWords(line))
    .filter((word) => word.startsWith("NODE_OPTIONS="))
    .map((word) => word.slice("NODE_OPTIONS=".length));
}

/** A systemd time span in seconds ("30s", "1min 30s", "90"): the forms this project's units use. */
function seconds(span: string): number {
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|min|h)?$/.exec(part);
    if (!match) throw new Error(`unparsed time span ${span}`);
    const factor = { ms: 0.001, s: 1, min: 60, h: 3600 }[match[2] ?? "s"] as number;
    total += Number(match[1]) * factor;
  }
  return total;
}

describe("the register unit", () => {
  it.skipIf(noAnalyze)("passes systemd-analyze verify with the real bundle as ExecStart", () => {
    expect(verify(REGISTER_UNIT)).toEqual({ status: 0, stderr: "" });
  });

  it("does not wait for cloud-init, which would deadlock ecs.service (field notes §6.10)", () => {
    const text = readFileSync(REGISTER_UNIT, "utf8");
    expect(text).not.toMatch(/^(After|Requires|Wants)=.*cloud-final/m);
    expect(text).toMatch(/^Type=oneshot$/m);
    expect(text).toMatch(/--activation-file \/etc\/ecs-anywhere-agent\/activation\.json/);
  });
});

describe("the agent (daemon) unit", () => {
  const text = readFileSync(AGENT_UNIT, "utf8");

  it.skipIf(noAnalyze)("passes systemd-analyze verify with the real bundle as ExecStart", () => {
    expect(verify(AGENT_UNIT)).toEqual({ status: 0, stderr: "" });
  });

  it("runs the daemon as a notify service whose notifications come from a child process", () => {
    expect(values(text, "ExecStart")).toEqual(["/usr/local/bin/ecs-anywhere-agent daemon"]);
    expect(values(text, "Type")).toEqual(["notify"]);
    // The systemd-notify binary is the sender, a child of the daemon (field notes §7.8).
    expect(values(text, "NotifyAccess")).toEqual(["all"]);
    expect(values(text, "Restart")).toEqual(["on-failure"]);
  });

  it("has a watchdog, and a stop timeout above the daemon's shutdown deadline", () => {
    const [watchdog] = values(text, "WatchdogSec");
    expect(seconds(watchdog ?? "0")).toBeGreaterThan(0);
    const [stop] = values(text, "TimeoutStopSec");
    expect(seconds(stop ?? "0")).toBeGreaterThan(DAEMON_SHUTDOWN_DEADLINE_SEC);
  });

  it("fixes glibc's mmap threshold, which the bench's memory figures are measured with (field notes §9.7)", () => {
    expect(values(text, "Environment")).toContain("MALLOC_MMAP_THRESHOLD_=131072");
  });

  it("caps V8's young generation through NODE_OPTIONS, which node accepts (field notes §9.8)", () => {
    const options = nodeOptions(text);
    expect(options).toEqual(["--max-semi-space-size=1 --v8-pool-size=1"]);
    // node refuses to start on an option NODE_OPTIONS does not allow (most V8 flags); this one must be taken, and
    // then a burst of allocations leaves the young generation at 2 MiB (two semi-spaces) instead of 32.
    const burst = `let x; for (let i = 0; i < 3e6; i++) x = { i, s: "a" + i };
      const young = require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      process.stdout.write(String(young.space_size));`;
    const youngWith = (nodeOptions: string) => {
      const run = spawnSync(process.execPath, ["-e", burst], {
        env: { ...process.env, NODE_OPTIONS: nodeOptions },
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      return Number(run.stdout);
    };
    expect(youngWith(options[0] ?? "")).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(youngWith("")).toBeGreaterThan(8 * 1024 * 1024); // the burst does grow it without the cap
  });

  it("runs V8 with one worker thread instead of four (field notes §9.12)", () => {
    const [unitOptions] = nodeOptions(text);
    const threadsWith = (options: string) => {
      const run = spawnSync(
        process.execPath,
        ["-e", 'process.stdout.write(String(require("fs").readdirSync("/proc/self/task").length))'],
        { env: { ...process.env, NODE_OPTIONS: options }, encoding: "utf8" },
      );
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      return Number(run.stdout);
    };
    // node's own threads, plus V8's platform workers: four by default, one with the unit's options.
    expect(threadsWith("") - threadsWith(unitOptions ?? "")).toBe(3);
  });

  it("starts after the register unit and never waits for cloud-init (field notes §6.10)", () => {
    const after = values(text, "After").flatMap((line) => line.split(/\s+/));
    expect(after).toContain("ecs-anywhere-register.service");
    expect(after).toContain("network-online.target");
    expect(text).not.toMatch(/^(After|Requires|Wants|Requisite|BindsTo)=.*cloud-(final|init)/m);
    expect(values(text, "WantedBy")).toEqual(["multi-user.target"]);
  });

  it("is hardened, with a syscall filter that refuses with EPERM instead of killing Node (field notes §8.9)", () => {
    expect(values(text, "ProtectSystem")).toEqual(["strict"]);
    // Nothing under /etc/systemd/system: a drop-in written there would run as root outside the sandbox.
    expect(values(text, "ReadWritePaths")).toEqual(["-/etc/ecs"]);
    expect(values(text, "ProtectHome")).toEqual(["read-only"]);
    expect(values(text, "NoNewPrivileges")).toEqual(["yes"]);
    expect(values(text, "CapabilityBoundingSet")).toEqual([""]);
    expect(values(text, "SystemCallFilter")[0]).toBe("@system-service");
    expect(values(text, "SystemCallErrorNumber")).toEqual(["EPERM"]);
    expect(values(text, "UMask")).toEqual(["0077"]);
  });
});
