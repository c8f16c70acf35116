import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunCommand, RunResult } from "../../../src/adapters/host/exec.ts";

type OutputStreamName = "stdout" | "stderr";

import { HostFs } from "../../../src/adapters/host/fs.ts";
import { AGENT_STATE } from "../../../src/components/agent-state/paths.ts";
import { causeLine, runInstallScript } from "../../../src/components/install-script/run.ts";
import { configSchema } from "../../../src/config/schema.ts";
import { OperationError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { fakeClock } from "../../support/clock.ts";

const VERIFIED = Buffer.from("#!/bin/bash\necho 'the verified script'\n");
const SWAPPED = "#!/bin/bash\ntouch /tmp/pwned\n";

let root: string;
let fs: HostFs;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ecsa-run-script-"));
  fs = new HostFs(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

interface Seen {
  script: string;
  scriptFile: string;
  cwd: string;
  cwdMode: number;
  folderMode: number;
}

/** A `bash` that reports what it would have run and where, then exits with `exitCode` after printing `last`. */
function fakeBash(seen: Seen[], exitCode = 0, last = "done"): RunCommand {
  return async (cmd, args, options): Promise<RunResult> => {
    const scriptFile = args[0] ?? "";
    const cwd = options.cwd ?? "";
    seen.push({
      script: readFileSync(scriptFile, "utf8"),
      scriptFile,
      cwd,
      cwdMode: statSync(cwd).mode & 0o777,
      folderMode: statSync(path.dirname(scriptFile)).mode & 0o777,
    });
    options.onLine?.(exitCode === 127 ? "stderr" : "stdout", last);
    return { command: cmd, exitCode, stdout: `${last}\n`, stderr: "", timedOut: false, durationMs: 5 };
  };
}

function deps(run: RunCommand, warnings: string[] = []) {
  return {
    fs,
    run,
    redactor: new Redactor(),
    clock: fakeClock(),
    env: {},
    timeoutMs: 10_000,
    warn: (message: string) => warnings.push(message),
  };
}

const invocation = {
  region: "eu-west-1",
  cluster: "edge",
  host: configSchema.parse({ cluster: "edge" }).host,
};
const runFolders = () => readdirSync(fs.resolve(AGENT_STATE.dir)).filter((name) => name.startsWith("run-"));

describe("running the verified install script", () => {
  it("runs the verified bytes from a fresh private folder, even when the saved copy was swapped", async () => {
    mkdirSync(fs.resolve(AGENT_STATE.dir), { recursive: true, mode: 0o700 });
    writeFileSync(fs.resolve(AGENT_STATE.script), SWAPPED, { mode: 0o700 });
    const seen: Seen[] = [];
    await runInstallScript(VERIFIED, invocation, deps(fakeBash(seen)));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.script).toBe(VERIFIED.toString());
    expect(seen[0]?.scriptFile).not.toBe(fs.resolve(AGENT_STATE.script));
    expect(path.dirname(seen[0]?.scriptFile ?? "")).toMatch(
      new RegExp(`^${fs.resolve(AGENT_STATE.dir)}/run-[^/]+$`),
    );
    expect(seen[0]?.folderMode).toBe(0o700);
  });

  it("in a private working directory (0700) under the root, removed afterwards", async () => {
    const seen: Seen[] = [];
    await runInstallScript(VERIFIED, invocation, deps(fakeBash(seen)));
    expect(seen[0]?.cwd.startsWith(`${fs.resolve(AGENT_STATE.dir)}/run-`)).toBe(true);
    expect(seen[0]?.cwdMode).toBe(0o700);
    expect(runFolders()).toEqual([]);
  });

  it("removes the private folder when the script fails too", async () => {
    const seen: Seen[] = [];
    await expect(runInstallScript(VERIFIED, invocation, deps(fakeBash(seen, 1)))).rejects.toThrow(
      /exit code 1/,
    );
    expect(runFolders()).toEqual([]);
  });

  it("takes back state and log folders others can write (mode 0700, this process's uid) and says which", async () => {
    for (const folder of [AGENT_STATE.dir, AGENT_STATE.logDir]) {
      mkdirSync(fs.resolve(folder), { recursive: true });
      chmodSync(fs.resolve(folder), 0o777);
    }
    const warnings: string[] = [];
    await runInstallScript(VERIFIED, invocation, deps(fakeBash([]), warnings));
    for (const folder of [AGENT_STATE.dir, AGENT_STATE.logDir]) {
      const stats = statSync(fs.resolve(folder));
      expect(stats.mode & 0o777, folder).toBe(0o700);
      expect(stats.uid).toBe(process.geteuid?.());
    }
    expect(warnings).toEqual([
      `${AGENT_STATE.dir} was mode 0777 (writable by others); fixed: owner uid ${process.geteuid?.()}, mode 0700`,
      `${AGENT_STATE.logDir} was mode 0777 (writable by others); fixed: owner uid ${process.geteuid?.()}, mode 0700`,
    ]);
  });

  it("refuses a symlink in place of its folder and runs nothing", async () => {
    const elsewhere = path.join(root, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o777 });
    mkdirSync(path.dirname(fs.resolve(AGENT_STATE.dir)), { recursive: true });
    symlinkSync(elsewhere, fs.resolve(AGENT_STATE.dir));
    const seen: Seen[] = [];
    const error = await runInstallScript(VERIFIED, invocation, deps(fakeBash(seen))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toBe(
      `${AGENT_STATE.dir} is a symbolic link: another user may control what the agent runs as root`,
    );
    expect(seen).toEqual([]);
    expect(lstatSync(fs.resolve(AGENT_STATE.dir)).isSymbolicLink()).toBe(true);
  });
});

describe("an install script that fails under set -e", () => {
  it("exit 127: a command it runs is missing, with the line that names it", async () => {
    const last = "ecs-anywhere-install.sh: line 412: openssl: command not found";
    const error = await runInstallScript(VERIFIED, invocation, deps(fakeBash([], 127, last))).then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => e as OperationError,
    );
    expect(error.message).toBe(
      `the install script failed with exit code 127 (a command it runs is not installed): [stderr] ${last}`,
    );
    expect(error.remediation).toMatch(/install the missing command named in the last line/);
  });

  it("exit 100: the package manager failed", async () => {
    const last = "E: Unable to locate package jq";
    const error = await runInstallScript(VERIFIED, invocation, deps(fakeBash([], 100, last))).then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => e as OperationError,
    );
    expect(error.message).toBe(
      `the install script failed with exit code 100 (the package manager failed): ${last}`,
    );
    expect(error.remediation).toMatch(/make the package manager work/);
  });
});

describe("the cause a failed script's message quotes", () => {
  const ESC = "\u001b";
  it("is the line that names the error a few lines above the last, colour codes stripped", async () => {
    const printed: [OutputStreamName, string][] = [
      ["stdout", "# Trying to start ecs ..."],
      [
        "stderr",
        `${ESC}[31mAn error occurred (ClusterNotFoundException) when calling the RegisterContainerInstance operation: Cluster not found.${ESC}[0m`,
      ],
      ["stdout", "retrying in 5s"],
      ["stdout", `${ESC}[1mgiving up${ESC}[0m`],
    ];
    const bash: RunCommand = async (cmd, _args, options) => {
      for (const [stream, line] of printed) options.onLine?.(stream, line);
      return { command: cmd, exitCode: 1, stdout: "", stderr: "", timedOut: false, durationMs: 5 };
    };
    const error = (await runInstallScript(VERIFIED, invocation, deps(bash)).catch(
      (e: unknown) => e,
    )) as OperationError;
    expect(error.message).toBe(
      "the install script failed with exit code 1: [stderr] An error occurred (ClusterNotFoundException) when calling the RegisterContainerInstance operation: Cluster not found.",
    );
    expect(error.message).not.toContain(ESC);
  });

  it.each<[string, string[], string | undefined]>([
    ["the last line when none names an error", ["a", "b", "last"], "last"],
    ["an Error: line", ["Error: connection reset", "cleanup", ""], "Error: connection reset"],
    [
      "an ...Exception line",
      ["x", "com.example.SomeException: boom", "y"],
      "com.example.SomeException: boom",
    ],
    ["only within the last five lines", ["error: long ago", "1", "2", "3", "4", "5"], "5"],
    ["colour stripped from the last line too", ["\u001b[32mdone\u001b[0m"], "done"],
    ["nothing printed", ["", "  "], undefined],
  ])("%s", (_name, lines, expected) => {
    expect(causeLine(lines)).toBe(expected);
  });
});

describe.runIf(process.geteuid?.() === 0)("as root", () => {
  it("takes back a folder another user owns, even with a tight mode", async () => {
    const { chownSync } = await import("node:fs");
    mkdirSync(fs.resolve(AGENT_STATE.dir), { recursive: true, mode: 0o700 });
    chownSync(fs.resolve(AGENT_STATE.dir), 65534, 65534);
    const warnings: string[] = [];
    await runInstallScript(VERIFIED, invocation, deps(fakeBash([]), warnings));
    expect(statSync(fs.resolve(AGENT_STATE.dir)).uid).toBe(0);
    expect(warnings).toEqual([
      `${AGENT_STATE.dir} was owned by uid 65534 (writable by others); fixed: owner uid 0, mode 0700`,
    ]);
  });
});
