// Ending a command the agent started: its whole process group (the exec adapter starts each command as the leader
// of a new group), so that the children a shell script forked end with it. SIGTERM first, SIGKILL after a grace.
const DEFAULT_KILL_GRACE_MS = 2_000;

/** SIGTERM the whole group now, then SIGKILL it after the grace period (the timer does not hold the process). */
export function killGroup(pid: number | undefined, graceMs = DEFAULT_KILL_GRACE_MS): void {
  if (pid === undefined) return;
  signalGroup(pid, "SIGTERM");
  setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs).unref();
}

/** On timeout, SIGTERM the whole group, then SIGKILL it after the grace period. Returns a canceller. */
export function scheduleGroupKill(
  pid: number | undefined,
  options: { timeoutMs: number; killGraceMs?: number | undefined },
  onTimeout: () => void,
): () => void {
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

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // a negative pid addresses the process group the child leads
  } catch {
    // ESRCH: every process in the group has already exited.
  }
}
