import type { Clock } from "../../src/util/clock.ts";

/**
 * A clock that only moves when told; sleep advances it instantly (and still honours cancellation), and timers set
 * with `every` fire as `advance` or `sleep` moves the time past them.
 */
export function fakeClock(start = new Date("2026-11-25T12:00:00Z")): Clock & { advance(ms: number): void } {
  let current = start.getTime();
  const timers = new Set<{ next: number; every: number; fn: () => void }>();
  /** Moves to `current + ms`, firing each due timer at its own time, earliest first. */
  const moveBy = (ms: number) => {
    const target = current + ms;
    for (;;) {
      const due = [...timers].filter((timer) => timer.next <= target).sort((a, b) => a.next - b.next)[0];
      if (due === undefined) break;
      current = due.next;
      due.next += due.every;
      due.fn();
    }
    current = target;
  };
  return {
    now: () => new Date(current),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      moveBy(ms);
    },
    every: (ms, fn) => {
      const timer = { next: current + ms, every: ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    advance: moveBy,
  };
}

/**
 * A clock whose sleeps wait until the test moves the time past them (`advance`), for code that loops on
 * `sleep`, such as the daemon: nothing happens between the test's steps. `sleepers()` tells how many wait.
 */
export function manualClock(start = new Date()): Clock & {
  advance(ms: number): Promise<void>;
  sleepers(): number;
} {
  const inner = fakeClock(start);
  const waiting = new Set<{ until: number; wake: () => void }>();
  return {
    now: inner.now,
    every: inner.every,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const entry = {
          until: inner.now().getTime() + ms,
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          waiting.delete(entry);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiting.add(entry);
      }),
    advance: async (ms) => {
      inner.advance(ms);
      const now = inner.now().getTime();
      for (const entry of [...waiting]) {
        if (entry.until <= now) {
          waiting.delete(entry);
          entry.wake();
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
    sleepers: () => waiting.size,
  };
}
