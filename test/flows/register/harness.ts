import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, lstatSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, onTestFinished } from "vitest";
import type { Clock } from "../../../src/util/clock.ts";
import { generateTestKey, type TestKey } from "../../components/install-script/gpg-keys.ts";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator, EmulatorOptions } from "../../emulator/types.ts";
import { createFakeHost, type FakeHost } from "../../fixtures/host.ts";
import type { InstallScriptServer } from "../../fixtures/install-server.ts";
import { startSignedInstallScript } from "../../fixtures/signed-script.ts";
import { type CliResult, cli, emulatorEnv } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { snapshotTree } from "./inspect.ts";

export const CLUSTER = "edge";
export const REGION = "eu-west-1";
/** The lock file register and deregister take (a host path). */
export const LOCK = "/var/lib/ecs-anywhere-agent/lock";

let sharedKey: Promise<TestKey> | undefined;
/** One throwaway signing key per test file (key generation takes a moment), disposed of when the file ends. */
export function signingKey(): Promise<TestKey> {
  sharedKey ??= generateTestKey("Amazon ECS (test)");
  return sharedKey;
}

/** An activation made the operator's way (`setup`, then `activation create --out FILE`). */
export interface SuppliedActivation {
  id: string;
  code: string;
  /** The JSON file `activation create --out` wrote (outside ROOT, like an operator's file). */
  file: string;
}

export interface WorldOptions {
  emulator?: EmulatorOptions;
  /** The install script the server serves (and signs). Default: the fixture script. */
  script?: string;
  hostEnv?: Record<string, string>;
  /** Replaces variables of the operator's environment (e.g. other AWS credentials). */
  env?: Record<string, string>;
  /** One clock for every CLI run (share it with the emulator's `now`); default a fresh fake clock per run. */
  clock?: Clock;
  /**
   * Start as a copy of this world: its emulator forked (its resources copied), its host's files copied, its
   * install-script server shared. `emulator` and `script` are then ignored.
   */
  copyOf?: World;
}

export interface World {
  emu: Emulator;
  host: FakeHost;
  server: InstallScriptServer;
  key: TestKey;
  keyFile: string;
  /** A temporary directory outside ROOT for operator files (activation files, local scripts, configs). */
  scratch: string;
  /** The environment an operator's shell would have: the emulator, its credentials, the fake host's PATH. */
  env: Record<string, string>;
  /** `register --cluster edge` with the served script, the world's key and its fingerprint, then `args`. */
  register(args?: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  /** `args` with --root and --ecs-agent-url of the fake host appended (register, check). */
  agent(args: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  /** `args` without host flags (setup, activation create). */
  cloud(args: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  /** The arguments `register` gets before the test's own (for a real child process). */
  registerArgs(args?: string[]): string[];
  /** `setup` (roles, cluster) and `activation create --out`, then the emulator's call log is cleared. */
  supplyActivation(flags?: string[]): Promise<SuppliedActivation>;
  /** Writes an operator file under `scratch` and returns its path. */
  operatorFile(name: string, content: string): Promise<string>;
  scriptRuns(): number;
  stop(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  // The operator's cluster exists (register never creates one; `setup` would have made it).
  const { copyOf } = options;
  const emu =
    copyOf === undefined
      ? await startEmulator({ clusters: [{ name: CLUSTER, region: REGION }], ...options.emulator })
      : await copyOf.emu.fork();
  const host = await createFakeHost({
    emulatorUrl: emu.url,
    ...(options.hostEnv ? { env: options.hostEnv } : {}),
  });
  // The host's files, not its live sockets (the copy has its own fake Docker).
  if (copyOf !== undefined) {
    cpSync(copyOf.host.root, host.root, { recursive: true, filter: (from) => !lstatSync(from).isSocket() });
  }
  const key = await signingKey();
  const signed =
    copyOf === undefined
      ? await startSignedInstallScript("Amazon ECS (test)", { key, script: options.script })
      : undefined;
  const server = signed?.server ?? (copyOf as World).server;
  const scratch = await mkdtemp(join(tmpdir(), "register-operator-"));
  const keyFile = join(scratch, "amazon-ecs-agent.asc");
  await writeFile(keyFile, key.publicKey);
  const env = { ...emulatorEnv(emu.url), ...host.env, ...options.env };
  const deps = {
    clock: fakeClock(new Date()),
    host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
  };
  const cloud = (args: string[], extraEnv: Record<string, string | undefined> = {}) =>
    cli(args, { ...env, ...extraEnv }, { ...deps, clock: options.clock ?? fakeClock(new Date()) });
  const agent = (args: string[], extraEnv: Record<string, string | undefined> = {}) =>
    cloud([...args, "--root", host.root, "--ecs-agent-url", host.introspectionUrl], extraEnv);
  const registerArgs = (args: string[] = []) => [
    "register",
    "--cluster",
    CLUSTER,
    "--install-script-url",
    server.url,
    "--gpg-key-file",
    keyFile,
    "--insecure-key-fingerprint",
    key.fingerprint,
    ...args,
  ];
  const operatorFile = async (name: string, content: string) => {
    const file = join(scratch, name);
    await writeFile(file, content, { mode: 0o600 });
    return file;
  };
  return {
    emu,
    host,
    server,
    key,
    keyFile,
    scratch,
    env,
    agent,
    cloud,
    registerArgs,
    operatorFile,
    register: (args = [], extraEnv = {}) => agent(registerArgs(args), extraEnv),
    async supplyActivation(flags = []) {
      const setup = await cloud(["setup", "--cluster", CLUSTER]);
      if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
      const file = join(scratch, `activation-${Object.keys(emu.state.activations).length}.json`);
      const created = await cloud(["activation", "create", "--cluster", CLUSTER, "--out", file, ...flags]);
      if (created.code !== 0) throw new Error(`activation create failed: ${created.stderr}`);
      const json = JSON.parse(await readFile(file, "utf8")) as {
        activationId: string;
        activationCode: string;
      };
      emu.clearCalls();
      return { id: json.activationId, code: json.activationCode, file };
    },
    scriptRuns: () => host.installScriptRuns().length,
    async stop() {
      await signed?.stop();
      await host.cleanup();
      await emu.stop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** The CLI's failure report: the `error…:` line and its `fix:` line (progress and warnings precede them). */
export function failureOf(run: CliResult): { error: string; fix: string } {
  const lines = run.stderr.split("\n");
  const at = lines.findIndex((line) => /^error( \(input\))?: /.test(line));
  const fix = lines[at + 1] ?? "";
  return { error: lines[at] ?? "", fix: fix.startsWith("  fix: ") ? fix : "" };
}

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  /** Resolves when the process is gone, with what it printed. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/**
 * The CLI as a REAL process (`node --import tsx src/bin.ts`), the way an operator runs it. Asynchronous on
 * purpose: the emulator and the install-script server answer from this test's event loop.
 */
export function spawnAgent(args: string[], env: Record<string, string | undefined>): AgentProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/bin.ts", ...args], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Polls `probe` every 50 ms until it returns a value, or fails after `timeoutMs` (real time). */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The harness trusts its throwaway key with --insecure-key-fingerprint, which always warns on stderr. Asserts that
 * this warning is the ONLY thing on stderr.
 */
export function expectOnlyKeyWarning(stderr: string): void {
  const rest = stderr
    .split("\n")
    .filter(
      (line) =>
        !/^WARNING: --insecure-key-fingerprint: trusting signing key [0-9A-F]{40} instead of the pinned Amazon ECS key$/.test(
          line,
        ),
    )
    .join("\n");
  if (rest.trim() !== "") throw new Error(`unexpected stderr: ${rest}`);
  if (!stderr.includes("WARNING: --insecure-key-fingerprint")) throw new Error("the key warning is missing");
}

/**
 * A clean `--output json` run: nothing on stderr but the key warning, exit 0. Returns the parsed report (untyped
 * JSON, like JSON.parse).
 */
export function expectJsonSuccess(run: CliResult): ReturnType<typeof JSON.parse> {
  expectOnlyKeyWarning(run.stderr);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

/** A step of a register report, as JSON. */
export interface PhaseJson {
  id: string;
  status: string;
  summary: string;
  details?: string[];
  changes?: { id: string; action: string; summary: string; details?: string[] }[];
}

/** The step `name` of a register report (parsed JSON); throws when the report has no such step. */
export function phaseOf(report: { steps: PhaseJson[] }, name: string): PhaseJson {
  const found = report.steps.find((step) => step.id === name);
  if (found === undefined) throw new Error(`the report has no ${name} phase`);
  return found;
}

/** Writes LOCK the way a `command` run by `pid` leaves it (mode 0600); returns the file's content. */
export function writeLock(world: World, pid: number, command: "register" | "deregister"): string {
  const content = `${JSON.stringify({ pid, command, since: "2026-01-02T03:04:05.000Z" })}\n`;
  world.host.writeFile(LOCK, content, 0o600);
  return content;
}

/** Another run holding the lock: a live process (killed when the test finishes) named in LOCK as `command`. */
export function holdLock(world: World, command: "register" | "deregister"): { pid: number; content: string } {
  const holder = spawn("sleep", ["30"], { stdio: "ignore" });
  onTestFinished(() => {
    holder.kill("SIGKILL");
  });
  if (holder.pid === undefined) throw new Error("could not start the lock holder");
  return { pid: holder.pid, content: writeLock(world, holder.pid, command) };
}

/** Bad input: exit 2, one `error (input):` line naming the problem, nothing written, called, run or downloaded. */
export async function expectRefused(
  world: World,
  run: () => Promise<CliResult>,
  message: RegExp,
): Promise<void> {
  const before = snapshotTree(world.host.root);
  world.emu.clearCalls();
  const result = await run();
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  const { error } = failureOf(result);
  expect(error).toMatch(/^error \(input\): /);
  expect(error).toMatch(message);
  expect(snapshotTree(world.host.root)).toEqual(before);
  expect(world.emu.calls()).toEqual([]);
  expect(world.scriptRuns()).toBe(0);
  expect(world.server.requests()).toEqual([]);
}
