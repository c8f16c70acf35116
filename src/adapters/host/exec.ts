import { constants } from "node:os";
import { monotonicMs } from "../../util/clock.ts";
import type { Redactor } from "../../util/redact.ts";
import { killGroup, scheduleGroupKill, signalGroup } from "./process-group.ts";

export type OutputStream = "stdout" | "stderr";

export interface RunOptions {
  /** After this, the whole process group gets SIGTERM, then SIGKILL after `killGraceMs`. */
  timeoutMs: number;
  /** Every text the adapter returns, streams or throws is scrubbed through it. */
  redactor: Redactor;
  /** Added to (and overriding) the agent's own environment, unless `replaceEnv`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The child gets exactly `env`, nothing inherited from the agent's own environment. */
  replaceEnv?: boolean;
  cwd?: string;
  /** Written to stdin; without it stdin is closed (/dev/null). */
  input?: string;
  /** Called for each complete output line as it arrives, already scrubbed, without its newline. */
  onLine?: (stream: OutputStream, line: string) => void;
  killGraceMs?: number;
  /** Cancels the command: its whole process group gets SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
}

/** What happened, as data (like execa's result): a non-zero exit is not an exception. */
export interface RunResult {
  /** The command line, scrubbed. */
  command: string;
  /** The exit code; 128 + signal number when a signal ended it (as a shell reports it). */
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The signal fired and the process group was killed. */
  cancelled?: boolean;
  durationMs: number;
}

export type RunCommand = (cmd: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;

/** A failed command in one line: `<command> failed (exit 1): <the last line it printed>`, a timeout named. */
export function describeFailure(result: RunResult): string {
  const exit = `exit ${result.exitCode}${result.timedOut ? ", timed out" : ""}`;
  const last = `${result.stdout}\n${result.stderr}`.trim().split("\n").pop() || "(no output)";
  return `${result.command} failed (${exit}): ${last}`;
}

/** The command could not be started at all (ENOENT, EACCES). The message is scrubbed and names it. */
export class CommandStartError extends Error {
  override readonly name = "CommandStartError";
  constructor(
    readonly command: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** How the command ended, before the adapter scrubs and shapes it. */
interface Ended {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** It could not start: the error code and message (ENOENT, EACCES). */
  startError?: { code: string | undefined; message: string };
}

interface Started {
  pid: number | undefined;
  ended: Promise<Ended>;
}

/**
 * Runs a command in its own process group so a timeout can kill everything it started, grandchildren
 * included. Never throws for a failing command; throws CommandStartError only when it cannot start.
 * Output is captured with node:child_process; execa (loaded on first use) runs the commands whose lines are
 * streamed as they arrive (the install script's progress). The daemon's systemctl calls and `status` never load it.
 */
export const run: RunCommand = async (cmd, args, options) => {
  const { redactor } = options;
  const command = redactor.scrub([cmd, ...args].join(" "));
  const lineErrors: unknown[] = [];
  const startedAt = monotonicMs();
  let timedOut = false;
  const child = options.onLine
    ? await streamed(cmd, args, options, lineErrors)
    : captured(cmd, args, options);
  const cancelKill = scheduleGroupKill(child.pid, options, () => {
    timedOut = true;
  });
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    killGroup(child.pid, options.killGraceMs);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const result = await child.ended.finally(() => {
    cancelKill();
    options.signal?.removeEventListener("abort", onAbort);
  });
  // The leader is gone; whatever of its group ignored SIGTERM must not outlive a cancelled run.
  if (cancelled && child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  const noEnd = result.exitCode === undefined && result.signal === undefined && !timedOut && !cancelled;
  if (result.startError !== undefined || noEnd) {
    const cause = result.startError?.message ?? "no exit code";
    throw new CommandStartError(
      command,
      result.startError?.code,
      redactor.scrub(`could not start ${command}: ${cause}`),
    );
  }
  if (lineErrors.length > 0) throw lineErrors[0];
  return {
    command,
    exitCode: result.exitCode ?? 128 + (constants.signals[result.signal as NodeJS.Signals] ?? 0),
    ...(result.signal === undefined ? {} : { signal: result.signal }),
    stdout: redactor.scrub(result.stdout),
    stderr: redactor.scrub(result.stderr),
    timedOut,
    cancelled,
    durationMs: Math.round(monotonicMs() - startedAt),
  };
};

/** The child's environment: the agent's own plus `env`, or exactly `env` with `replaceEnv`. */
function childEnv(options: RunOptions): NodeJS.ProcessEnv {
  return options.replaceEnv ? { ...options.env } : { ...process.env, ...options.env };
}

/** Output captured whole, through node:child_process. */
function captured(cmd: string, args: readonly string[], options: RunOptions): Started {
  const { spawn } = process.getBuiltinModule("node:child_process");
  const child = spawn(cmd, [...args], {
    cwd: options.cwd,
    env: childEnv(options),
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    detached: true,
  });
  const ended = new Promise<Ended>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Only a spawn failure leaves no pid; later errors (a kill that found no process) end in "close".
      if (child.pid === undefined) {
        const startError = { code: error.code, message: error.message };
        resolve({ exitCode: undefined, signal: undefined, stdout: "", stderr: "", startError });
      }
    });
    child.once("close", (code, signal) => {
      if (child.pid === undefined) return;
      resolve({
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        stdout: text(out),
        stderr: text(err),
      });
    });
  });
  if (options.input !== undefined && child.stdin) {
    // A command that exits without reading its input closes the pipe: EPIPE is not the command's failure.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input);
  }
  return { pid: child.pid, ended };
}

/** Each output line handed to onLine as it arrives (scrubbed), through execa's line transforms. */
async function streamed(
  cmd: string,
  args: readonly string[],
  options: RunOptions,
  lineErrors: unknown[],
): Promise<Started> {
  const { redactor } = options;
  const tap = (stream: OutputStream) => ({
    // preserveNewlines keeps the output byte-exact; the callback gets the line without its newline.
    preserveNewlines: true,
    *transform(line: unknown) {
      try {
        options.onLine?.(stream, redactor.scrub(String(line).replace(/\r?\n$/, "")));
      } catch (error) {
        lineErrors.push(error);
      }
      yield line;
    },
  });
  const { execa } = await import("execa");
  const subprocess = execa(cmd, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: !options.replaceEnv,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: tap("stdout"),
    stderr: tap("stderr"),
    detached: true,
    reject: false,
    stripFinalNewline: false,
  });
  const ended = subprocess.then((result): Ended => {
    const base = {
      exitCode: result.exitCode,
      signal: result.signal,
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
    };
    if (result.exitCode !== undefined || result.signal !== undefined) return base;
    const cause = result.cause instanceof Error ? result.cause.message : String(result.shortMessage);
    return { ...base, startError: { code: result.code, message: cause } };
  });
  return { pid: subprocess.pid, ended };
}
