// Gives back the heap pages V8 keeps resident after a peak (field notes §9.8). V8 12.4 (Node 22) pools the pages its
// spaces free and unmaps them only in a memory-reducing collection, which a small heap that seldom grows by 10 MB
// hardly ever gets: the daemon's resident memory would stay at its highest point, and climb with every new peak. V8
// 11.3 (Node 20) leaves old-space pages half empty after its full collections, which compact only very sparse
// pages, and those add up over the months a daemon runs.

const MB = 1024 * 1024;

/** How far resident memory may grow above its level after the last trim before the daemon trims again. */
export const TRIM_AFTER_GROWTH_BYTES = 2 * MB;

/** The process as the trim sees it: its resident memory, and a collection that compacts and releases the heap. */
export interface ProcessMemory {
  rss(): number;
  /** Absent where Node has no inspector (built without it): then no trim. */
  collect?: () => Promise<void>;
}

/**
 * After a pass (the daemon is idle until the next), when resident memory has grown by `afterGrowthBytes` since the
 * last trim (or the first pass), one memory-reducing collection. Its level after that is the new reference, so
 * growth it cannot give back (code, a library loaded late) causes one trim, not one per pass. A trim costs tens of
 * milliseconds on the daemon's heap; a steady daemon needs one every few hours at most. One at a time.
 */
export class MemoryTrim {
  readonly #memory: ProcessMemory;
  readonly #afterGrowthBytes: number;
  #reference: number | undefined;
  #trimming = false;

  constructor(memory: ProcessMemory, afterGrowthBytes = TRIM_AFTER_GROWTH_BYTES) {
    this.#memory = memory;
    this.#afterGrowthBytes = afterGrowthBytes;
  }

  /** Trims if due; the resident memory before and after when it did. */
  async afterPass(): Promise<{ beforeBytes: number; afterBytes: number } | undefined> {
    if (this.#memory.collect === undefined || this.#trimming) return undefined;
    const beforeBytes = this.#memory.rss();
    if (this.#reference === undefined || beforeBytes < this.#reference) {
      this.#reference = beforeBytes;
      return undefined;
    }
    if (beforeBytes - this.#reference < this.#afterGrowthBytes) return undefined;
    this.#trimming = true;
    try {
      await this.#memory.collect();
    } finally {
      this.#trimming = false;
    }
    const afterBytes = this.#memory.rss();
    this.#reference = afterBytes;
    return { beforeBytes, afterBytes };
  }
}

/**
 * This process. The collection is V8's low-memory notification, which the inspector protocol's
 * `HeapProfiler.collectGarbage` runs: full collections that compact the heap and unmap every free page, V8 12's
 * pool included, on Node 20, 22 and 24 alike. The session is in process (`node:inspector`'s Session): nothing
 * listens on a port, and it is closed again after the collection.
 */
export function processMemory(): ProcessMemory {
  const rss = () => process.memoryUsage.rss();
  if (!process.features.inspector) return { rss };
  return {
    rss,
    collect: async () => {
      const session = new (process.getBuiltinModule("node:inspector").Session)();
      session.connect();
      try {
        await new Promise<void>((resolve, reject) => {
          session.post("HeapProfiler.collectGarbage", (error) => (error ? reject(error) : resolve()));
        });
      } finally {
        // Not from inside post's callback, where disconnecting never returns.
        session.disconnect();
      }
    },
  };
}
