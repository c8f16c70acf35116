import { monotonicMs } from "../util/clock.ts";

/** How late the event loop runs timers: the daemon's own liveness measure (/livez). */
export interface LoopLag {
  /** The lag in ms: the last timer's delay, or how overdue the next one is already, whichever is larger. */
  lagMs(): number;
  stop(): void;
}

/**
 * Measures timer drift with one unref'd interval timer: cheap, and it never keeps the process alive. A loop that
 * is blocked right now shows as an overdue tick, so the first request served after a long block already sees it.
 */
export function monitorLoopLag(intervalMs: number, now: () => number = monotonicMs): LoopLag {
  let due = now() + intervalMs;
  let lastLag = 0;
  const timer = setInterval(() => {
    const at = now();
    lastLag = Math.max(0, at - due);
    due = at + intervalMs;
  }, intervalMs);
  timer.unref();
  return {
    lagMs: () => Math.max(lastLag, now() - due),
    stop: () => clearInterval(timer),
  };
}
