// The bundle's code cache: V8's compiled code for each chunk, kept on disk between runs so that a run does not
// compile again what the run before it compiled (field notes §9.10). Node's own compile cache exists only from
// Node 22.1, and keeps only what was compiled while a module loaded; this one works on every Node the agent
// supports and keeps what was compiled by the end of the run (the functions a command called, too).
//
// This module and boot/loader.ts are bundled into the entry, dist/ecs-anywhere-agent.mjs, which every run compiles
// afresh: keep them small and free of imports from the rest of src/.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/**
 * What the cache holds for one chunk: the file it was compiled from (size, times, inode) and V8's data. V8 checks
 * its data against the source's length only: the file's identity keeps a chunk rewritten in place (an upgrade, an
 * edit, a restored mtime: the ctime still moves) from running the code of the chunk it replaced.
 */
export interface CacheEntry extends FileIdentity {
  data: Buffer;
}

/** Which file, and which version of it, a cache entry was made from. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** True when the cache's entry was made from the file `stats` describes (its size, mtime and inode). */
export function sameFile(entry: FileIdentity, stats: FileIdentity): boolean {
  return (
    entry.size === stats.size &&
    entry.mtimeMs === stats.mtimeMs &&
    entry.ctimeMs === stats.ctimeMs &&
    entry.ino === stats.ino
  );
}

/** A cache file: MAGIC, the index's length (u32 LE), the index (JSON: IndexEntry[]), then each entry's data. */
const MAGIC = Buffer.from("ecs-anywhere-agent code cache 1\n");
type IndexEntry = [name: string, size: number, mtimeMs: number, ctimeMs: number, ino: number, length: number];
/** A cache file larger than this is not ours: it is not read. */
const MAX_FILE = 64 * 1024 * 1024;

/** The cache file's bytes for `entries`. */
export function serializeCache(entries: ReadonlyMap<string, CacheEntry>): Buffer {
  const list = [...entries];
  const index = Buffer.from(
    JSON.stringify(
      list.map(([name, e]): IndexEntry => [name, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.data.length]),
    ),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(index.length);
  return Buffer.concat([MAGIC, length, index, ...list.map(([, e]) => e.data)]);
}

/** The entries of a cache file's bytes; anything malformed (a torn write, another format) gives none. */
export function parseCache(bytes: Buffer): Map<string, CacheEntry> {
  const entries = new Map<string, CacheEntry>();
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return entries;
  const indexEnd = MAGIC.length + 4 + bytes.readUInt32LE(MAGIC.length);
  if (indexEnd > bytes.length) return entries;
  let index: unknown;
  try {
    index = JSON.parse(bytes.toString("utf8", MAGIC.length + 4, indexEnd));
  } catch {
    return entries;
  }
  if (!Array.isArray(index)) return entries;
  let at = indexEnd;
  for (const item of index as unknown[]) {
    if (!Array.isArray(item) || item.length !== 6) return new Map();
    const [name, size, mtimeMs, ctimeMs, ino, length] = item as unknown[];
    const numbers = [size, mtimeMs, ctimeMs, ino, length].every(
      (n) => typeof n === "number" && Number.isFinite(n) && n >= 0,
    );
    if (typeof name !== "string" || !numbers || at + (length as number) > bytes.length) return new Map();
    entries.set(name, {
      size: size as number,
      mtimeMs: mtimeMs as number,
      ctimeMs: ctimeMs as number,
      ino: ino as number,
      // A copy: an entry the run has used can go without keeping the whole file's bytes.
      data: Buffer.from(bytes.subarray(at, at + (length as number))),
    });
    at += length as number;
  }
  return at === bytes.length ? entries : new Map();
}

/**
 * The directory this user's code cache lives in, or undefined for none. V8 runs cached code as it finds it, so a
 * cache another user can write lets them run code as this user, who is often root:
 * - NODE_DISABLE_COMPILE_CACHE set: none.
 * - NODE_COMPILE_CACHE set (the systemd unit points it at its CacheDirectory): that directory, if it is one (not a
 *   symlink), owned by this user and writable by nobody else.
 * - Otherwise a per-user directory in the temporary directory, `ecs-anywhere-agent-UID-code-cache`, made mode
 *   0700; it must be a real directory owned by this user, mode 0700, in a parent no other user can rename it out
 *   of (owned by this user or root, and sticky or writable by its owner only). Anything else (someone else made
 *   the name first, an odd TMPDIR) means no cache, never a shared one.
 */
export function cacheDirectory(
  env: Record<string, string | undefined>,
  uid: number | undefined,
  tmp: string,
): string | undefined {
  if (uid === undefined || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const chosen = env.NODE_COMPILE_CACHE;
    if (chosen) {
      const own = lstatSync(chosen);
      return own.isDirectory() && own.uid === uid && (own.mode & 0o022) === 0 ? chosen : undefined;
    }
    const up = statSync(tmp);
    const sharedParent = (up.mode & 0o022) !== 0 && (up.mode & 0o1000) === 0;
    if ((up.uid !== uid && up.uid !== 0) || sharedParent) return undefined;
    const directory = join(tmp, `ecs-anywhere-agent-${uid}-code-cache`);
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

/**
 * The cache file's name for a run: one per Node version, architecture and command (the first argument when it is a
 * word, as `status` or `daemon`), since each command compiles functions of its own in the chunks they share.
 */
export function cacheFileName(argv: readonly string[]): string {
  const first = argv[0] ?? "";
  const command = /^[a-z][a-z0-9-]{0,39}$/.test(first) ? first : "default";
  return `${process.version}-${process.arch}-${command}.bin`;
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
 * Replaces the cache file at `path` with `bytes`: written to a new file beside it (mode 0600, created, never
 * opened if it exists) and renamed over it, so a reader sees the old file or the new one. Failing is no error of
 * the run's: the next run compiles again.
 */
export function writeCacheFile(path: string, bytes: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, "wx", 0o600);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch {
    rmSync(temporary, { force: true });
  }
}
