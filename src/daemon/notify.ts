import systemdNotify from "systemd-notify";
import { run } from "../adapters/host/exec.ts";
import type { Logger } from "../util/logger.ts";
import { Redactor } from "../util/redact.ts";

/**
 * The daemon's side of systemd's notify protocol (`Type=notify`, `WatchdogSec=`), through the `systemd-notify`
 * binary: READY=1 once the first probe pass is done, STATUS= with the one-line summary, WATCHDOG=1 pings and
 * STOPPING=1 on shutdown. The binary is a child of the daemon, so the unit needs `NotifyAccess=all`; every
 * message names the daemon with `--pid=` (MAINPID=), field notes §7.8.
 *
 * READY and STATUS go through the npm package systemd-notify, which spawns the binary with the PROCESS
 * environment (PATH to find it, NOTIFY_SOCKET to address systemd) and cannot be given another one. The daemon
 * passes `process.env`, which is what systemd gave it, so both agree; `createNotifier` warns when they do not.
 * WATCHDOG=1 and STOPPING=1 (which the package cannot send) go through the exec adapter with exactly PATH and
 * NOTIFY_SOCKET from the given environment and nothing else.
 *
 * Never throws and never rejects: the daemon must not die because systemd cannot be told something. A failing
 * notification is logged at warn once (later failures in a row at debug, until one succeeds again).
 */
export interface Notifier {
  /** False without NOTIFY_SOCKET: every call is then a no-op resolving at once, and nothing is spawned. */
  readonly enabled: boolean;
  /** READY=1 and STATUS=`status`. */
  ready(status: string): Promise<void>;
  /** STATUS=`status` only; skipped when the same text was the last one sent. */
  status(status: string): Promise<void>;
  /** WATCHDOG=1. */
  watchdog(): Promise<void>;
  /** STOPPING=1. */
  stopping(): Promise<void>;
  /**
   * How often to send WATCHDOG=1: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises. Undefined when no
   * watchdog is configured (or its value is not a positive number of microseconds), when WATCHDOG_PID names
   * another process, or when the notifier is disabled (a ping could not reach systemd).
   */
  readonly watchdogIntervalMs: number | undefined;
}

/** Longest STATUS= text sent, in characters; `systemctl status` shows it on one line. */
export const STATUS_MAX_CHARS = 256;

/** One notification may take this long; systemd-notify itself waits up to 5 s for systemd to take it. */
export const NOTIFY_TIMEOUT_MS = 5_000;

/** How much of the binary's output is kept for the failure message. */
const OUTPUT_MAX_CHARS = 4_096;
const FAILURE_MAX_CHARS = 300;

const BINARY = "systemd-notify";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * `text` as one STATUS= line: control characters (newlines above all: a second line would be read by systemd
 * as another assignment, e.g. READY=1) become a space, runs of white space one space, and the length is bounded.
 */
export function statusLine(text: string): string {
  const line = text.replace(NOT_ONE_LINE, " ").replace(/\s+/g, " ").trim();
  const chars = Array.from(line); // code points: never cut a surrogate pair in two
  return chars.length <= STATUS_MAX_CHARS ? line : `${chars.slice(0, STATUS_MAX_CHARS - 1).join("")}…`;
}

/** Half of WATCHDOG_USEC in milliseconds, or undefined (see `Notifier.watchdogIntervalMs`). */
export function watchdogInterval(env: Record<string, string | undefined>, pid: number): number | undefined {
  const micros = watchdogMicros(env.WATCHDOG_USEC);
  if (micros === undefined) return undefined;
  const watchdogPid = env.WATCHDOG_PID;
  if (watchdogPid !== undefined && watchdogPid !== "" && watchdogPid !== String(pid)) return undefined;
  return Math.max(1, Math.floor(micros / 2_000));
}

/** A positive whole number of microseconds, or undefined. */
function watchdogMicros(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]+$/.test(value)) return undefined;
  const micros = Number(value);
  return Number.isSafeInteger(micros) && micros > 0 ? micros : undefined;
}

export function createNotifier(
  env: Record<string, string | undefined>,
  log: Logger,
  pid = process.pid,
): Notifier {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === "") {
    const resolved = Promise.resolve();
    return {
      enabled: false,
      ready: () => resolved,
      status: () => resolved,
      watchdog: () => resolved,
      stopping: () => resolved,
      watchdogIntervalMs: undefined,
    };
  }

  if (env.WATCHDOG_USEC !== undefined && watchdogMicros(env.WATCHDOG_USEC) === undefined) {
    log.warn(
      { value: env.WATCHDOG_USEC.slice(0, 40) },
      "WATCHDOG_USEC is not a number of microseconds: no watchdog pings",
    );
  }
  const differs = (["NOTIFY_SOCKET", "PATH"] as const).filter((name) => env[name] !== process.env[name]);
  if (differs.length > 0) {
    log.warn(
      { differs },
      "systemd-notify (the package) sends READY/STATUS with the process environment, which differs from the notifier's",
    );
  }

  // Only what the binary needs: the agent's own variables (credentials included) never reach it.
  const binaryEnv: Record<string, string> = { NOTIFY_SOCKET: socket };
  if (env.PATH !== undefined) binaryEnv.PATH = env.PATH;

  let lastStatus: string | undefined;
  let failing = false;
  // One notification at a time, in call order: STOPPING=1 never overtakes the READY=1 before it.
  let queue: Promise<void> = Promise.resolve();

  /** `expected`: a failure that is no fault, logged at debug with `why` (and no warning for the next real one). */
  const send = async (
    what: string,
    attempt: () => Promise<void>,
    expected?: { when: (reason: unknown) => boolean; why: string },
  ): Promise<boolean> => {
    let reason: unknown;
    const delivered = await withTimeout(attempt()).then(
      () => true,
      (error: unknown) => {
        reason = error;
        return false;
      },
    );
    if (delivered) {
      if (failing) log.info({ notification: what }, "systemd notifications work again");
      failing = false;
      return true;
    }
    const failure = oneLine(reason instanceof Error ? reason.message : String(reason));
    if (expected?.when(reason)) {
      log.debug({ notification: what, error: failure }, expected.why);
      return false;
    }
    // Once at warn; while it keeps failing (every watchdog ping), at debug.
    if (failing) log.debug({ notification: what, error: failure }, "systemd notification failed");
    else log.warn({ notification: what, error: failure }, "systemd notification failed");
    failing = true;
    return false;
  };

  const enqueue = (job: () => Promise<void>): Promise<void> => {
    const next = queue.then(job).catch(() => {}); // send() never rejects; this only keeps the queue alive
    queue = next;
    return next;
  };

  const viaPackage = async (options: { ready?: true; status: string }) => {
    await systemdNotify({ ...options, pid });
  };

  return {
    enabled: true,
    watchdogIntervalMs: watchdogInterval(env, pid),
    ready: (status) =>
      enqueue(async () => {
        const line = statusLine(status);
        if (await send("READY=1", () => viaPackage({ ready: true, status: line }))) lastStatus = line;
      }),
    status: (status) =>
      enqueue(async () => {
        const line = statusLine(status);
        if (line === lastStatus) return;
        if (await send("STATUS", () => viaPackage({ status: line }))) lastStatus = line;
      }),
    watchdog: () =>
      enqueue(async () => {
        await send("WATCHDOG=1", () => runBinary([`--pid=${pid}`, "WATCHDOG=1"], binaryEnv));
      }),
    stopping: () =>
      enqueue(async () => {
        // `systemctl stop` sends SIGTERM to every process of the unit (KillMode=control-group), and a
        // systemd-notify started while systemd still collects them gets it too: systemd is then stopping the
        // unit already, which is all STOPPING=1 would have told it.
        await send("STOPPING=1", () => runBinary([`--pid=${pid}`, "STOPPING=1"], binaryEnv), {
          when: (reason) => reason instanceof BinaryFailed && reason.signal === "SIGTERM",
          why: "STOPPING=1 not delivered: systemd's SIGTERM reached systemd-notify too (the unit is stopping already)",
        });
      }),
  };
}

/**
 * Rejects after NOTIFY_TIMEOUT_MS. The package's child cannot be reached to kill it; systemd-notify bounds its
 * own wait for systemd, so it exits by itself.
 */
function withTimeout(attempt: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${BINARY} did not finish within ${NOTIFY_TIMEOUT_MS / 1000} s`)),
      NOTIFY_TIMEOUT_MS,
    );
    timer.unref();
  });
  return Promise.race([attempt, expired]).finally(() => clearTimeout(timer));
}

/**
 * Runs the binary through the one exec adapter (no shell, exactly `env`, killed at the timeout); rejects with a
 * one-line reason.
 */
async function runBinary(args: readonly string[], env: Record<string, string>): Promise<void> {
  const result = await run(BINARY, args, {
    timeoutMs: NOTIFY_TIMEOUT_MS,
    redactor: new Redactor(),
    env,
    replaceEnv: true,
  });
  if (result.exitCode === 0 && !result.timedOut) return;
  const output = `${result.stderr}${result.stdout}`.trim().slice(0, OUTPUT_MAX_CHARS);
  const signal = result.timedOut ? "SIGKILL" : ((result.signal as NodeJS.Signals | undefined) ?? null);
  throw new BinaryFailed(signal, result.exitCode, output || "(no output)");
}

/** The binary ended without success: by `signal`, or else with a non-zero exit code. */
class BinaryFailed extends Error {
  override readonly name = "BinaryFailed";
  constructor(
    readonly signal: NodeJS.Signals | null,
    code: number | null,
    output: string,
  ) {
    super(`${BINARY} ${signal ? `killed by ${signal}` : `exit ${code}`}: ${output}`);
  }
}

/** A failure text as one bounded line: its lines joined, stack frames dropped. */
function oneLine(text: string): string {
  const joined = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^at .*:\d+:\d+\)?$/.test(line))
    .join(" ");
  if (joined === "") return "(no message)";
  return joined.length <= FAILURE_MAX_CHARS ? joined : `${joined.slice(0, FAILURE_MAX_CHARS - 1)}…`;
}
