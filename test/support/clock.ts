import type { Clock } from "../../src/util/clock.ts";

/** A clock that only moves when told; sleep advances it instantly (and still honours cancellation). */
export function fakeClock(start = new Date("2026-11-25T12:00:00Z")): Clock & { advance(ms: number): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      current += ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
