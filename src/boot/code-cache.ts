// The bundle's code cache: V8's compiled code for each chunk, kept on disk between runs so that a run does not
// compile again what the run before it compiled (field notes §9.10). Node's own compile cache exists only from
// Node 22.1, and keeps only what was compiled while a module loaded; this one works on every Node the agent
// supports and keeps what was compiled by the end of the run (the functions a command called, too).
//
// src/boot/ is bundled into the entry, dist/ecs-anywhere-agent.mjs, which every run compiles afresh: keep it small,
// and its imports from the rest of src/ to what has no imports itself (daemon/runtime.ts).
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { type CacheEntry, checksum, parseCache } from "./cache-format.ts";

/** A cache file larger than this is not ours: it is not read. */
const MAX_FILE = 64 * 1024 * 1024;

/**
 * The directory this user's code cache lives in, or undefined for none. V8 runs cached code as it finds it, so a
 * cache another user can write lets them run code as this user, who is often root:
 * - NODE_DISABLE_COMPILE_CACHE set: none.
 * - NODE_COMPILE_CACHE set (the systemd unit points it at its CacheDirectory): that directory, if it is one (not a
 *   symlink), owned by this user, writable by nobody else, in a parent no other user can rename it out of.
 * - Otherwise a per-user directory in the temporary directory, `ecs-anywhere-agent-UID-code-cache`, made mode
 *   0700; it must be a real directory owned by this user, mode 0700, in such a parent. Anything else (someone else
 *   made the name first, an odd TMPDIR) means no cache, never a shared one.
 * A parent no other user can rename it out of: owned by this user or root, and sticky or writable by its owner only.
 */
export function cacheDirectory(
  env: Record<string, string | undefined>,
  uid: number | undefined,
  tmp: string,
): string | undefined {
  if (uid === undefined || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const safeParent = (directory: string) => {
    const up = statSync(dirname(directory));
    return (up.uid === uid || up.uid === 0) && ((up.mode & 0o022) === 0 || (up.mode & 0o1000) !== 0);
  };
  try {
    const chosen = env.NODE_COMPILE_CACHE;
    if (chosen) {
      const own = lstatSync(chosen);
      return own.isDirectory() && own.uid === uid && (own.mode & 0o022) === 0 && safeParent(chosen)
        ? chosen
        : undefined;
    }
    const directory = join(tmp, `ecs-anywhere-agent-${uid}-code-cache`);
    if (!safeParent(directory)) return undefined;
    // A name taken meanwhile (another run of this user's made it first) is checked like any other.
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
    }
    const own = lstatSync(directory);
    return own.isDirectory() && own.uid === uid && (own.mode & 0o777) === 0o700 ? directory : undefined;
  } catch {
    return undefined;
  }
}

/** A short hex digest of a string: tells bundles and flag sets apart in file names. */
function digest(text: string): string {
  return checksum(Buffer.from(text)).toString(16).padStart(8, "0");
}

/** The command word of a command line: its first argument when that is a word (`status`, `daemon`), else "default". */
export function commandWord(argv: readonly string[]): string {
  const first = argv[0] ?? "";
  return /^[a-z][a-z0-9-]{0,39}$/.test(first) ? first : "default";
}

/** Cache files of this format: `vNODE-ARCH-COMMAND-DIGEST.bin`. */
const CACHE_FILE = /^v\d+\.\d+\.\d+-[a-z0-9]+-[a-z][a-z0-9-]*-[0-9a-f]{8}\.bin$/;

/**
 * The cache file's name for a run. One per Node version and architecture (V8 refuses another's data), per command
 * (each compiles functions of its own in the chunks they share), and per bundle folder and node options (V8
 * refuses data made under other flags; two installs would otherwise replace each other's entries at every run).
 */
export function cacheFileName(argv: readonly string[], root: string, nodeOptions: string): string {
  const key = [root, process.execArgv.join(" "), nodeOptions].join("\0");
  return `${process.version}-${process.arch}-${commandWord(argv)}-${digest(key)}.bin`;
}

/**
 * The entries of the cache file at `path`: none unless it is a regular file (not a symlink) of this user's, mode
 * 0600 or less.
 */
export function readCacheFile(path: string, uid: number): Map<string, CacheEntry> {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.uid !== uid || (stats.mode & 0o077) !== 0 || stats.size > MAX_FILE)
      return new Map();
    const bytes = Buffer.allocUnsafe(stats.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return parseCache(bytes.subarray(0, read));
  } catch {
    return new Map();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replaces the cache file at `path` with `bytes`: written to a new file beside it (mode 0600, a name of its own,
 * created, never opened if it exists), flushed to disk, and renamed over it, so a reader sees the old file or the
 * new one whole. Failing is no error of the run's: the next run compiles again.
 */
export function writeCacheFile(path: string, bytes: Buffer): void {
  const temporary = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let created = false;
  try {
    const fd = openSync(temporary, "wx", 0o600);
    created = true;
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch {
    if (created) rmSync(temporary, { force: true });
  }
}

/** A cache file unchanged for this long (an older Node, bundle or flag set's; a run killed mid-write) goes. */
export const STALE_MS = 30 * 24 * 3600 * 1000;

/**
 * Removes from `directory` the cache files and leftover temporary files of this format that were not written for
 * STALE_MS, but `keep`. Other files are left alone (NODE_COMPILE_CACHE may hold Node's own cache too).
 */
export function pruneCache(directory: string, keep: string, now: number): void {
  for (const name of readdirSync(directory)) {
    if (name === keep || !(CACHE_FILE.test(name) || CACHE_FILE.test(name.replace(/\.[^.]+\.tmp$/, ""))))
      continue;
    const path = join(directory, name);
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats?.isFile() && now - stats.mtimeMs > STALE_MS) rmSync(path, { force: true });
  }
}
