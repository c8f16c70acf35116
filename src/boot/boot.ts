// The bundle's start (scripts/bundle-entry.ts): loads the CLI's chunk through the chunk loader, with this user's
// code cache (boot/code-cache.ts), and at exit writes back what the run compiled if the cache lacked any of it.
import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tuneDaemonRuntime } from "../daemon/runtime.ts";
import { type CacheEntry, checksum, sameFile, serializeCache } from "./cache-format.ts";
import {
  cacheDirectory,
  cacheFileName,
  commandWord,
  pruneCache,
  readCacheFile,
  writeCacheFile,
} from "./code-cache.ts";
import { createChunkLoader, type LoadedChunk } from "./loader.ts";

/** Runs the chunk `main` (relative to `root`, the bundle's folder) for the command line `argv`. */
export function boot(
  root: string,
  main: string,
  argv: readonly string[],
  env: Record<string, string | undefined>,
): void {
  // V8 refuses cached data made under other flags: the daemon's own (daemon/runtime.ts) are set before any chunk
  // is compiled, or its cache, written under them at exit, would never be taken at the next start.
  if (commandWord(argv) === "daemon") tuneDaemonRuntime();
  const uid = process.getuid?.();
  const directory = cacheDirectory(env, uid, tmpdir());
  const name = cacheFileName(argv, root, env.NODE_OPTIONS ?? "");
  const file = directory === undefined ? undefined : join(directory, name);
  const cache =
    file === undefined || uid === undefined ? new Map<string, CacheEntry>() : readCacheFile(file, uid);
  const loader = createChunkLoader(root, cache);
  if (directory !== undefined && file !== undefined) {
    process.once("exit", () => {
      try {
        const next = updatedCache(root, cache, loader.loaded);
        // The folder checked again: the daemon writes days after it started.
        if (next === undefined || cacheDirectory(env, uid, tmpdir()) !== directory) return;
        writeCacheFile(file, serializeCache(next));
        pruneCache(directory, name, Date.now());
      } catch {
        // No cache written: the next run compiles again. The run's own exit is not disturbed.
      }
    });
  }
  loader.load(join(root, main));
}

/**
 * The cache to write after a run, or undefined when the cache already held every chunk the run loaded. The chunks
 * the run loaded get V8's data as of now (all the functions compiled so far); `others`, the entries of the chunks
 * the run did not load (the loader took the loaded ones out), stay while their files are unchanged (another path of
 * the same command loads them), and go with their files.
 */
export function updatedCache(
  root: string,
  others: ReadonlyMap<string, CacheEntry>,
  loaded: readonly LoadedChunk[],
): Map<string, CacheEntry> | undefined {
  if (loaded.every((chunk) => chunk.fromCache)) return undefined;
  const next = new Map<string, CacheEntry>();
  for (const [name, entry] of others) {
    const stats = statSync(join(root, name), { throwIfNoEntry: false });
    if (stats !== undefined && sameFile(entry, stats)) next.set(name, entry);
  }
  for (const { name, stats, script } of loaded) {
    const { size, mtimeMs, ctimeMs, ino } = stats;
    const data = script.createCachedData();
    next.set(name, { size, mtimeMs, ctimeMs, ino, data, sum: checksum(data) });
  }
  return next;
}
