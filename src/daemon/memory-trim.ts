// Gives back the heap pages V8 keeps resident after a peak (field notes §9.8). V8 12.4 (Node 22) pools the pages its
// spaces free and unmaps them only in a memory-reducing collection, which a small heap that seldom grows by 10 MB
// hardly ever gets: the daemon's resident memory would stay at its highest point, and climb with every new peak.

const MB = 1024 * 1024;

/** How far resident memory may grow above its level after the last trim before the daemon trims again. */
export const TRIM_AFTER_GROWTH_BYTES = 2 * MB;

/** The process as the trim sees it: its resident memory, and a collection that releases V8's page pool. */
export interface ProcessMemory {
  rss(): number;
  /** Absent without `gc` (node --expose-gc, which the daemon's unit sets in NODE_OPTIONS): then no trim. */
  collect?: () => void;
}

/**
 * After a pass (the daemon is idle until the next), when resident memory has grown by `afterGrowthBytes` since the
 * last trim (or the first pass), one "last resort" collection: full, compacting collections that also unmap V8's
 * pooled pages. Its level after that is the new reference, so growth it cannot give back (code, a library loaded
 * late) causes one trim, not one per pass. A trim costs tens of milliseconds on the daemon's heap; a steady daemon
 * needs one every few hours at most.
 */
export class MemoryTrim {
  readonly #memory: ProcessMemory;
  readonly #afterGrowthBytes: number;
  #reference: number | undefined;

  constructor(memory: ProcessMemory, afterGrowthBytes = TRIM_AFTER_GROWTH_BYTES) {
    this.#memory = memory;
    this.#afterGrowthBytes = afterGrowthBytes;
  }

  /** Trims if due; the resident memory before and after when it did. */
  afterPass(): { beforeBytes: number; afterBytes: number } | undefined {
    if (this.#memory.collect === undefined) return undefined;
    const beforeBytes = this.#memory.rss();
    if (this.#reference === undefined || beforeBytes < this.#reference) {
      this.#reference = beforeBytes;
      return undefined;
    }
    if (beforeBytes - this.#reference < this.#afterGrowthBytes) return undefined;
    this.#memory.collect();
    const afterBytes = this.#memory.rss();
    this.#reference = afterBytes;
    return { beforeBytes, afterBytes };
  }
}

/** This process: `gc` with V8's "last resort" flavour (Node 22; Node 20's `gc` takes it as a full collection). */
export function processMemory(): ProcessMemory {
  const gc = (globalThis as { gc?: (options: Record<string, string>) => void }).gc;
  return {
    rss: () => process.memoryUsage.rss(),
    ...(gc === undefined
      ? {}
      : { collect: () => gc({ type: "major", execution: "sync", flavor: "last-resort" }) }),
  };
}
