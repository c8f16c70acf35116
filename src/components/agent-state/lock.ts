import { HostFileError, type HostFs } from "../../adapters/host/fs.ts";
import type { SystemInfo } from "../../adapters/host/system.ts";
import type { HostContext } from "../../app/host.ts";
import { OperationError } from "../../errors.ts";
import { crypto } from "../../util/builtins.ts";
import type { Clock } from "../../util/clock.ts";
import { type ProgressSink, waitProgress } from "../../util/progress.ts";
import { AGENT_STATE } from "./paths.ts";

export interface Lock {
  release(): Promise<void>;
}

/**
 * Who holds the lock. `token` is unique per acquisition; boot id and start time tell a reused pid apart
 * (field notes §6.11).
 */
interface Holder {
  pid: number;
  command: string;
  since: string;
  token?: string;
  bootId?: string;
  startTime?: string;
}

/**
 * How long a lock file that cannot be read (empty, torn) counts as held: written by a version that created
 * the file before writing it, or by a run killed in that instant. Measured on the clock port from when this
 * run first saw that content.
 */
export const UNREADABLE_LOCK_GRACE_MS = 10_000;

/**
 * One lock under ROOT keeps register, deregister and the daemon's repairs from interleaving. The lock file
 * appears with its whole content at once (HostFs.createExclusive), so there is no empty moment to misread.
 * A second caller waits (bounded, through the clock port) and then fails with who holds it. A lock left by a
 * dead process (kill -9, power loss: a different boot id, a reused pid with another start time) is taken
 * over, atomically: it is first moved aside, and put back if it turns out to be a live one.
 */
export async function acquireLock(
  fs: HostFs,
  system: SystemInfo,
  clock: Clock,
  command: string,
  waitMs: number,
  signal?: AbortSignal,
  progress?: ProgressSink,
): Promise<Lock> {
  await refuseUnlessFolders(fs);
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  const [bootId, startTime] = await Promise.all([system.bootId(), system.processStartTime(process.pid)]);
  const token = crypto().randomUUID();
  const me: Holder = {
    pid: process.pid,
    command,
    since: clock.now().toISOString(),
    token,
    ...(bootId === undefined ? {} : { bootId }),
    ...(startTime === undefined ? {} : { startTime }),
  };
  const deadline = clock.now().getTime() + waitMs;
  const waiting = waitProgress(clock, progress, "lock");
  let unreadable: { text: string; seenAt: number } | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await fs.createExclusive(AGENT_STATE.lock, `${JSON.stringify(me)}\n`, 0o600)) {
      return { release: () => releaseLock(fs, token) };
    }
    const text = await readLockText(fs, AGENT_STATE.lock);
    if (text === undefined) continue; // released in between: try again at once
    const holder = parseHolder(text);
    const now = clock.now().getTime();
    if (holder === "unreadable") {
      if (unreadable?.text !== text) unreadable = { text, seenAt: now };
      else if (now - unreadable.seenAt >= UNREADABLE_LOCK_GRACE_MS) {
        await takeOver(fs, text, token);
        continue;
      }
    } else if (holder === "meaningless" || !(await holderAlive(holder, system, bootId))) {
      await takeOver(fs, text, token); // stale: its owner is gone
      continue;
    }
    if (now >= deadline) throw heldError(fs, holder, waiting.elapsedMs() > 0 ? waiting.elapsed() : undefined);
    waiting.tick(`waiting for ${holderName(holder)} to release ${fs.resolve(AGENT_STATE.lock)}`);
    await clock.sleep(Math.min(1000 * 2 ** Math.min(attempt, 3), 5000, deadline - now), signal);
  }
}

/**
 * The lock a command (register, deregister, upgrade) holds for its whole run, waiting up to `waitMs` for
 * another run to release it. A dry run writes nothing, not even the lock's folder, so it takes no lock and
 * waits for none: undefined.
 */
export async function lockFor(
  host: Pick<HostContext, "fs" | "system" | "clock" | "signal" | "progress">,
  command: string,
  waitMs: number,
  dryRun: boolean,
): Promise<Lock | undefined> {
  if (dryRun) return undefined;
  return acquireLock(host.fs, host.system, host.clock, command, waitMs, host.signal, host.progress);
}

/**
 * The agent's own folders hold the lock, state.json and the install logs: a symlink in the place of one would
 * have them written wherever it points (a folder another user controls), and a file there makes every later
 * write fail. Either is refused before the lock is taken, so before anything is written, not half-way through
 * a run (the install-script phase also takes back folders other users can write).
 */
async function refuseUnlessFolders(fs: HostFs): Promise<void> {
  for (const hostPath of [AGENT_STATE.dir, AGENT_STATE.logDir]) {
    const kind = await fs.kindOf(hostPath);
    if (kind === undefined || kind === "directory") continue;
    const folder = fs.resolve(hostPath);
    throw new OperationError(
      `${folder} is ${kind === "symlink" ? "a symbolic link" : "not a directory"}: the agent keeps its lock, state and logs there and does not follow it`,
      {
        remediation: `inspect ${folder}, remove it (as root) and re-run; the agent recreates it (mode 0700)`,
      },
    );
  }
}

/** Removes the lock only while it is still this run's own (a taken-over lock belongs to someone else). */
async function releaseLock(fs: HostFs, token: string): Promise<void> {
  const text = await readLockText(fs, AGENT_STATE.lock);
  if (text === undefined) return;
  const holder = parseHolder(text);
  if (typeof holder === "object" && holder.token === token) await fs.remove(AGENT_STATE.lock);
}

/**
 * Removes the stale lock whose content was `staleText`. Moved aside first (rename is atomic, so two runs
 * cannot both remove it); when what was moved is not the stale lock but one another run created just now,
 * it is put back (link never replaces a lock a third run may have taken meanwhile).
 */
async function takeOver(fs: HostFs, staleText: string, token: string): Promise<void> {
  const aside = `${AGENT_STATE.lock}.stale-${token}`;
  if (!(await fs.rename(AGENT_STATE.lock, aside))) return;
  try {
    if ((await readLockText(fs, aside)) !== staleText) await fs.linkNoReplace(aside, AGENT_STATE.lock);
  } finally {
    await fs.remove(aside);
  }
}

/**
 * The lock file's text, undefined when absent. Something other than a small regular file (a FIFO would
 * block a plain read) reads as "\u0000", which is not JSON: unreadable, so taken over after the grace period.
 */
async function readLockText(fs: HostFs, hostPath: string): Promise<string | undefined> {
  try {
    return (await fs.readInputFile(hostPath, 64 * 1024))?.bytes.toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTREG" || code === "EFBIG") return "\u0000";
    throw new HostFileError("cannot read", fs.resolve(hostPath), error);
  }
}

async function holderAlive(holder: Holder, system: SystemInfo, bootId: string | undefined): Promise<boolean> {
  // The host rebooted since the lock was written: every process of that boot is gone, whatever reuses its pid.
  if (holder.bootId !== undefined && bootId !== undefined && holder.bootId !== bootId) return false;
  if (!system.processAlive(holder.pid)) return false;
  if (holder.startTime === undefined) return true;
  const startTime = await system.processStartTime(holder.pid);
  return startTime === undefined || startTime === holder.startTime;
}

/**
 * The holder recorded in the lock; "unreadable" when the text is not a JSON object (empty, torn), and
 * "meaningless" when it names no usable process (pid 0, -1, negative, fractional, huge: 0 and -1 would
 * even make kill(pid, 0) succeed for a process group).
 */
function parseHolder(text: string): Holder | "unreadable" | "meaningless" {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "unreadable";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "unreadable";
  const record = value as Record<string, unknown>;
  const pid = record.pid;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0 || pid > 2 ** 22) {
    return "meaningless";
  }
  const str = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined);
  const token = str("token");
  const bootId = str("bootId");
  const startTime = str("startTime");
  return {
    pid,
    command: str("command") ?? "run",
    since: str("since") ?? "an unknown time",
    ...(token === undefined ? {} : { token }),
    ...(bootId === undefined ? {} : { bootId }),
    ...(startTime === undefined ? {} : { startTime }),
  };
}

/** The run holding the lock, as a progress line names it. */
function holderName(holder: Holder | "unreadable"): string {
  return holder === "unreadable"
    ? "another ecs-anywhere-agent run"
    : `ecs-anywhere-agent ${holder.command} (pid ${holder.pid})`;
}

function heldError(fs: HostFs, holder: Holder | "unreadable", waited?: string): OperationError {
  const path = fs.resolve(AGENT_STATE.lock);
  const timedOut = waited === undefined ? "" : `; timed out after waiting ${waited}`;
  if (holder === "unreadable") {
    return new OperationError(
      `another ecs-anywhere-agent run holds ${path} (its owner record is not written yet, or is damaged)${timedOut}`,
      {
        remediation:
          "wait for it to finish, or raise --lock-timeout; remove the file only if no ecs-anywhere-agent runs",
      },
    );
  }
  return new OperationError(
    `another ecs-anywhere-agent ${holder.command} (pid ${holder.pid}, since ${holder.since}) holds ${path}${timedOut}`,
    {
      remediation:
        "wait for it to finish, or raise --lock-timeout; remove the file only if that process is gone",
    },
  );
}
