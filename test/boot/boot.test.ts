import { statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { updatedCache } from "../../src/boot/boot.ts";
import { type CacheEntry, checksum } from "../../src/boot/cache-format.ts";
import { createChunkLoader, type LoadedChunk } from "../../src/boot/loader.ts";
import { bundleFolder } from "./bundle-folder.ts";

const entryOf = (root: string, name: string, data = "old"): CacheEntry => {
  const { size, mtimeMs, ctimeMs, ino } = statSync(join(root, name));
  return { size, mtimeMs, ctimeMs, ino, data: Buffer.from(data), sum: checksum(Buffer.from(data)) };
};

describe("the cache written after a run", () => {
  it("is none when V8 took the cache's data for every chunk the run loaded", () => {
    const fromCache = { fromCache: true } as LoadedChunk;
    expect(updatedCache("/nowhere", new Map(), [fromCache, fromCache])).toBeUndefined();
  });

  it("has the loaded chunks' code as of now, and keeps the other chunks' entries while their files are unchanged", () => {
    const root = bundleFolder({
      "main.cjs": "module.exports = () => 1;",
      "kept.cjs": "",
      "changed.cjs": "",
      "gone.cjs": "",
    });
    const cache = new Map([
      [join("chunks", "main.cjs"), entryOf(root, join("chunks", "main.cjs"))], // V8 refuses "old"
      [join("chunks", "kept.cjs"), entryOf(root, join("chunks", "kept.cjs"))],
      [join("chunks", "changed.cjs"), { ...entryOf(root, join("chunks", "changed.cjs")), size: 99 }],
      [join("chunks", "gone.cjs"), entryOf(root, join("chunks", "gone.cjs"))],
    ]);
    unlinkSync(join(root, "chunks", "gone.cjs"));
    const loader = createChunkLoader(root, cache);
    (loader.load(join(root, "chunks", "main.cjs")) as () => number)();
    expect([...cache.keys()]).not.toContain(join("chunks", "main.cjs")); // taken out once used
    const next = updatedCache(root, cache, loader.loaded);
    expect([...(next?.keys() ?? [])].sort()).toEqual([
      join("chunks", "kept.cjs"),
      join("chunks", "main.cjs"),
    ]);
    expect(next?.get(join("chunks", "kept.cjs"))?.data.toString()).toBe("old");
    const main = next?.get(join("chunks", "main.cjs"));
    expect(main?.data.toString()).not.toBe("old");
    expect(main?.data.length).toBeGreaterThan(0);
    expect(main).toMatchObject({ size: statSync(join(root, "chunks", "main.cjs")).size });
    // The new data is V8's for this very file: a loader given it takes it.
    const again = createChunkLoader(root, new Map([[join("chunks", "main.cjs"), main as CacheEntry]]));
    again.load(join(root, "chunks", "main.cjs"));
    expect(again.loaded[0]?.script.cachedDataRejected).toBe(false);
  });
});
