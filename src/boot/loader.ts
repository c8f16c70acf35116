// Loads the bundle's chunks (CommonJS files under dist/chunks, see scripts/bundle.mjs) with V8's code cache: each
// chunk is compiled by vm.Script with the data the cache holds for it, if that data is for the very file (size,
// mtime, ctime, inode), is whole (its checksum) and V8 accepts it. A chunk requires other chunks by relative path
// and Node's built-ins by name; nothing else.
import { closeSync, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { Script } from "node:vm";
import { type CacheEntry, checksum, sameFile } from "./cache-format.ts";

/** One chunk a run loaded: its path relative to the bundle's root, the file it read, and its compiled script. */
export interface LoadedChunk {
  name: string;
  stats: Stats;
  script: Script;
  /** True when V8 took the cache's data for this chunk (so the run compiled only what the cache lacked). */
  fromCache: boolean;
}

export interface ChunkLoader {
  /** Runs the chunk at `file` (an absolute path under the root) once, and returns its exports. */
  load(file: string): unknown;
  /** The chunks loaded so far, in the order they were. */
  readonly loaded: readonly LoadedChunk[];
}

// Node's own CommonJS wrapper: a chunk's code sees exports, require, module, __filename and __dirname. Strict, as
// the ES modules the chunks were built from are (and esbuild minified them as such).
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { "use strict"; ';

/**
 * A loader for the chunks under `root`. It takes each chunk's entry out of `cache` as it loads the chunk (V8 has
 * consumed the data by then), so that what stays in `cache` is the entries of the chunks the run did not load.
 */
export function createChunkLoader(root: string, cache: Map<string, CacheEntry>): ChunkLoader {
  const modules = new Map<string, { exports: unknown }>();
  const loaded: LoadedChunk[] = [];

  const requireFrom = (directory: string) => (specifier: string) => {
    if (specifier.startsWith("./") || specifier.startsWith("../")) return load(resolve(directory, specifier));
    if (isBuiltin(specifier)) return process.getBuiltinModule(specifier);
    throw new Error(`the bundle requires "${specifier}", which it does not hold: reinstall the agent`);
  };

  function load(file: string): unknown {
    if (!file.startsWith(`${root}${sep}`) || !file.endsWith(".cjs")) {
      throw new Error(`the bundle requires ${file}, which is not one of its chunks: reinstall the agent`);
    }
    const known = modules.get(file);
    if (known !== undefined) return known.exports;
    const module = { exports: {} };
    modules.set(file, module);
    try {
      run(file, module);
    } catch (error) {
      // As Node's own loader: a chunk that failed to load is loaded again by the next require, not left half-done.
      modules.delete(file);
      throw error;
    }
    return module.exports;
  }

  function run(file: string, module: { exports: unknown }): void {
    // One descriptor for the stats and the code: the cache is checked against the file that was read.
    const fd = openSync(file, "r");
    let stats: Stats;
    let source: string;
    try {
      stats = fstatSync(fd);
      source = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
    const name = relative(root, file);
    const entry = cache.get(name);
    cache.delete(name);
    const usable = entry !== undefined && sameFile(entry, stats) && checksum(entry.data) === entry.sum;
    const script = new Script(`${WRAPPER}${source}\n})`, {
      filename: file,
      columnOffset: -WRAPPER.length,
      ...(usable ? { cachedData: entry.data } : {}),
    });
    loaded.push({ name, stats, script, fromCache: usable && !script.cachedDataRejected });
    const directory = dirname(file);
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, requireFrom(directory), module, file, directory);
  }

  return { load, loaded };
}
