import { constants } from "node:os";
import type { Redactor } from "../../util/redact.ts";

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

const DEFAULT_KILL_GRACE_MS = 2_000;

/**
 * Runs a command in its own process group so a timeout can kill everything it started, grandchildren
 * included. Never throws for a failing command; throws CommandStartError only when it cannot start.
 */
export const run: RunCommand = async (cmd, args, options) => {
  const { redactor } = options;
  const command = redactor.scrub([cmd, ...args].join(" "));
  const lineErrors: unknown[] = [];
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
  let timedOut = false;
  // Loaded on the first run: commands that start no process (status asking the daemon) never pay for it.
  const { execa } = await import("execa");
  const subprocess = execa(cmd, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: !options.replaceEnv,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: options.onLine ? tap("stdout") : "pipe",
    stderr: options.onLine ? tap("stderr") : "pipe",
    detached: true,
    reject: false,
    stripFinalNewline: false,
  });
  const cancelKill = scheduleGroupKill(subprocess.pid, options, () => {
    timedOut = true;
  });
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    killGroup(subprocess.pid, options.killGraceMs);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const result = await subprocess.finally(() => {
    cancelKill();
    options.signal?.removeEventListener("abort", onAbort);
  });
  // The leader is gone; whatever of its group ignored SIGTERM must not outlive a cancelled run.
  if (cancelled && subprocess.pid !== undefined) signalGroup(subprocess.pid, "SIGKILL");
  if (result.exitCode === undefined && result.signal === undefined && !timedOut && !cancelled) {
    const cause = result.cause instanceof Error ? result.cause.message : String(result.shortMessage);
    throw new CommandStartError(command, result.code, redactor.scrub(`could not start ${command}: ${cause}`));
  }
  if (lineErrors.length > 0) throw lineErrors[0];
  return {
    command,
    exitCode: result.exitCode ?? 128 + (constants.signals[result.signal as NodeJS.Signals] ?? 0),
    ...(result.signal === undefined ? {} : { signal: result.signal }),
    stdout: redactor.scrub(String(result.stdout ?? "")),
    stderr: redactor.scrub(String(result.stderr ?? "")),
    timedOut,
    cancelled,
    durationMs: Math.round(result.durationMs),
  };
};

/** SIGTERM the whole group now, then SIGKILL it after the grace period (the timer does not hold the process). */
function killGroup(pid: number | undefined, graceMs = DEFAULT_KILL_GRACE_MS): void {
  if (pid === undefined) return;
  signalGroup(pid, "SIGTERM");
  setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs).unref();
}

/** On timeout, SIGTERM the whole group, then SIGKILL it after the grace period. Returns a canceller. */
function scheduleGroupKill(pid: number | undefined, options: RunOptions, onTimeout: () => void): () => void {
  if (pid === undefined) return () => {};
  let graceTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    onTimeout();
    signalGroup(pid, "SIGTERM");
    graceTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  }, options.timeoutMs);
  return () => {
    clearTimeout(timer);
    clearTimeout(graceTimer);
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // a negative pid addresses the process group the child leads
  } catch {
    // ESRCH: every process in the group has already exited.
  }
}
