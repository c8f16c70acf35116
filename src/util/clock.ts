/** Every read of the time, and every wait, goes through this port so tests can control it. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` every `ms` until the returned function is called; the timer never keeps the process alive. Absent
   * on clocks that cannot tell time passing by themselves (then nothing is called).
   */
  every?(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * Milliseconds on a monotonic clock, for how long something took (a command, a request): never the time of day,
 * which is the Clock's. process.hrtime, not performance.now(): the `performance` global loads node:perf_hooks
 * on first use, 4 ms of a one-shot command's start-up (field notes §9.10).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
