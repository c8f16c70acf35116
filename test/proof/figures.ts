import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The proof suites' figures for the results table (bench/results.json). When PROOF_FIGURES_FILE names a file,
 * `figures` are merged into the JSON object it holds (created when absent); suites of several test files write
 * to the same file at once, so the merge happens under a lock folder (`FILE.lock`, mkdir is atomic).
 */
export function recordFigures(figures: Record<string, number>): void {
  const file = process.env.PROOF_FIGURES_FILE;
  if (file === undefined || file === "") return;
  mkdirSync(dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > deadline) throw error;
      sleepSync(20);
    }
  }
  try {
    let current: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        current = parsed as Record<string, unknown>;
      }
    } catch {
      // absent or unreadable: start afresh
    }
    const next = `${JSON.stringify({ ...current, ...figures }, null, 2)}\n`;
    writeFileSync(`${file}.tmp`, next);
    renameSync(`${file}.tmp`, file);
  } finally {
    rmdirSync(lock);
  }
}

/** Waits without the event loop (the lock is held for microseconds; this only runs in afterAll). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
