import type { Clock } from "./clock.ts";
import { formatDuration } from "./duration.ts";

/** Where progress lines go: stderr in text mode, an info log line in JSON mode (the app decides). */
export type ProgressSink = (line: string) => void;

/** How long a wait may stay silent before it says what it waits for, and how often it says it again. */
export const PROGRESS_EVERY_MS = 2000;

/**
 * One wait's progress: `tick(what)` prints `[label] what (elapsed 4s)` once the wait has lasted
 * PROGRESS_EVERY_MS, then at most once per PROGRESS_EVERY_MS, all on the clock port (tests use the fake clock).
 */
export function waitProgress(clock: Clock, sink: ProgressSink | undefined, label: string) {
  const started = clock.now().getTime();
  let last: number | undefined;
  const elapsedMs = () => clock.now().getTime() - started;
  return {
    elapsedMs,
    /** The elapsed time as the operator reads it (`4s`, `1m30s`). */
    elapsed: () => formatDuration(Math.round(elapsedMs() / 1000)),
    tick(what: string): void {
      const now = clock.now().getTime();
      if (sink === undefined || now - started < PROGRESS_EVERY_MS) return;
      if (last !== undefined && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      sink(`[${label}] ${what} (elapsed ${formatDuration(Math.round((now - started) / 1000))})`);
    },
  };
}
