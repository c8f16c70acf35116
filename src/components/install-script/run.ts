import { posix } from "node:path";
import type { OutputStream, RunCommand } from "../../adapters/host/exec.ts";
import type { HostFs } from "../../adapters/host/fs.ts";
import type { HostConfig } from "../../config/schema.ts";
import { throwIfCancelled } from "../../engine/cancel.ts";
import { OperationError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { formatDuration } from "../../util/duration.ts";
import { MASK, type Redactor } from "../../util/redact.ts";
import { AGENT_STATE } from "../agent-state/paths.ts";
import { secureAgentFolders } from "./folders.ts";

export interface ScriptInvocation {
  region: string;
  cluster: string;
  /** Absent when SSM is already registered: the script then runs with --skip-registration. */
  activation?: { id: string; code: string };
  host: HostConfig;
  /** endpoints.ecs: the script writes it as ECS_BACKEND_HOST (field notes §1.3, §10.9). */
  ecsEndpoint?: string;
}

/** The official flags (field notes §1). The code is an argument of the script: the exec adapter scrubs it. */
export function scriptArguments(invocation: ScriptInvocation): string[] {
  const { host } = invocation;
  const args = ["--region", invocation.region, "--cluster", invocation.cluster];
  if (invocation.activation) {
    args.push("--activation-id", invocation.activation.id, "--activation-code", invocation.activation.code);
  } else {
    args.push("--skip-registration");
  }
  if (host.enableGpu) args.push("--enable-gpu");
  if (host.dockerInstallSource !== "all") args.push("--docker-install-source", host.dockerInstallSource);
  if (host.ecsVersion !== "latest") args.push("--ecs-version", host.ecsVersion);
  if (host.noStart) args.push("--no-start");
  if (invocation.ecsEndpoint !== undefined) args.push("--ecs-endpoint", invocation.ecsEndpoint);
  return args;
}

/** The argument list as shown in plans: the activation code masked. */
export function maskedArguments(invocation: ScriptInvocation): string[] {
  return scriptArguments(invocation).map((arg) => (arg === invocation.activation?.code ? MASK : arg));
}

export interface RunScriptDeps {
  fs: HostFs;
  run: RunCommand;
  redactor: Redactor;
  clock: Clock;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Live progress (text mode): the current step and elapsed time. */
  progress?: (line: string) => void;
  /** Repairs the agent made to its folders (see secureAgentFolders). */
  warn?: (message: string) => void;
}

/**
 * Runs the verified script as root with a timeout that kills its whole process group. The full output is
 * kept, scrubbed, in /var/log/ecs-anywhere-agent/install-<time>.log (0600). A non-zero exit is an error that
 * names the log file, what the exit code means and the last line the script printed.
 *
 * The verified BYTES are written into a fresh private folder (mkdtemp, 0700) and run from there, with a private
 * working directory inside it (the script creates and removes folders relative to it, field notes §8.5); the
 * folder is removed afterwards. No path another user could write is read again between verification and bash.
 */
export async function runInstallScript(
  script: Uint8Array,
  invocation: ScriptInvocation,
  deps: RunScriptDeps,
): Promise<{ logFile: string; durationMs: number }> {
  await secureAgentFolders(deps.fs, deps.warn);
  await deps.fs.mkdir(AGENT_STATE.dir, 0o700);
  const folder = await deps.fs.makeTempDir(AGENT_STATE.dir, "run-");
  try {
    const file = `${folder}/${posix.basename(AGENT_STATE.script)}`;
    const work = `${folder}/work`;
    await deps.fs.writeFileAtomic(file, script, { mode: 0o700 });
    await deps.fs.mkdir(work, 0o700);
    return await runFrom(file, work, invocation, deps);
  } finally {
    await deps.fs.remove(folder, { recursive: true });
  }
}

async function runFrom(
  scriptFile: string,
  workDir: string,
  invocation: ScriptInvocation,
  deps: RunScriptDeps,
): Promise<{ logFile: string; durationMs: number }> {
  const started = deps.clock.now();
  const lines: string[] = [];
  const onLine = (stream: OutputStream, line: string) => {
    lines.push(stream === "stderr" ? `[stderr] ${line}` : line);
    const elapsed = Math.round((deps.clock.now().getTime() - started.getTime()) / 1000);
    // The script announces each step as "# Trying to ..."; everything else goes to the log file only.
    const step =
      /^# (Trying to .*?)( \.\.\.)?$/.exec(line.trim())?.[1] ??
      (/Container instance arn:/.test(line) ? line.trim() : undefined);
    if (step !== undefined) deps.progress?.(`[run-script ${formatElapsed(elapsed)}] ${step}`);
  };
  const result = await deps.run("bash", [deps.fs.resolve(scriptFile), ...scriptArguments(invocation)], {
    cwd: deps.fs.resolve(workDir),
    timeoutMs: deps.timeoutMs,
    redactor: deps.redactor,
    env: deps.env,
    onLine,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  await deps.fs.mkdir(AGENT_STATE.logDir, 0o700);
  const logFile = `${AGENT_STATE.logDir}/install-${started.toISOString().replace(/[-:.]/g, "")}.log`;
  await deps.fs.writeFileAtomic(logFile, deps.redactor.scrub(`${lines.join("\n")}\n`), { mode: 0o600 });
  // Cancelled (SIGINT/SIGTERM): the whole process group is gone and the log above is written.
  throwIfCancelled(result.cancelled ? deps.signal : undefined, "run-script");
  if (result.timedOut) {
    throw new OperationError(
      `the install script did not finish within ${formatDuration(Math.round(deps.timeoutMs / 1000))} and was killed (with every process it started)`,
      {
        remediation: `see ${deps.fs.resolve(logFile)}; re-run register to continue (it resumes), or raise --script-timeout`,
      },
    );
  }
  if (result.exitCode !== 0) {
    const last = causeLine(lines) ?? "(no output)";
    const meaning = exitMeaning(result.exitCode);
    throw new OperationError(
      `the install script failed with exit code ${result.exitCode}${meaning ? ` (${meaning.what})` : ""}: ${last}`,
      {
        remediation: `see ${deps.fs.resolve(logFile)}; ${meaning?.fix ?? "fix the cause"} and re-run register (it resumes where it stopped)`,
      },
    );
  }
  return { logFile, durationMs: result.durationMs };
}

// An ESC/CSI sequence (colours, cursor moves) as scripts and the tools they run print on a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what is stripped
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;
const NAMES_ERROR = /exception\b|\berror\b/i;
const CAUSE_WINDOW = 5;

/**
 * The line of the script's output that names why it failed: among the last few non-empty lines, the last
 * that names an error or exception (e.g. the `...ClusterNotFoundException` line a couple of lines above the
 * last), else the last line; colour codes stripped. undefined when the script printed nothing.
 */
export function causeLine(lines: readonly string[]): string | undefined {
  const tail = lines
    .map((line) => line.replace(ANSI, "").trimEnd())
    .filter((line) => line.replace(/^\[stderr\] /, "").trim() !== "")
    .slice(-CAUSE_WINDOW);
  return [...tail].reverse().find((line) => NAMES_ERROR.test(line)) ?? tail.at(-1);
}

/**
 * The script runs under `set -e` (field notes §1.5, §8.5): besides its own 1, it ends with the status of
 * whatever command failed. The usual ones, said in operator terms.
 */
export function exitMeaning(code: number): { what: string; fix: string } | undefined {
  if (code === 127) {
    return {
      what: "a command it runs is not installed",
      fix: "install the missing command named in the last line (`ecs-anywhere-agent check` lists what the script needs)",
    };
  }
  if (code === 126)
    return { what: "a command it runs could not be executed", fix: "check that command's permissions" };
  if (code === 100) {
    return {
      what: "the package manager failed",
      fix: "make the package manager work (e.g. `apt-get update`, the distribution's repositories, a held lock)",
    };
  }
  if (code > 128 && code < 160) {
    return {
      what: `a command was killed by signal ${code - 128}`,
      fix: "find what killed it (out of memory?)",
    };
  }
  return undefined;
}

function formatElapsed(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** field notes §1: the services the install script enables (and, unless noStart, starts). */
export function scriptServices(host: HostConfig): string {
  const docker = host.dockerInstallSource === "none" ? "" : ", docker (when it installs Docker)";
  const verb = host.noStart ? "enables (noStart: does not start)" : "enables and starts";
  return `services: the script ${verb} amazon-ssm-agent${docker} and ecs`;
}
