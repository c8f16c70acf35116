// The code cache's file format (boot/code-cache.ts keeps the files): what an entry holds for one chunk, how the
// entries are written into one file and read back, and the checksum that keeps damaged data away from V8.
/**
 * What the cache holds for one chunk: the file it was compiled from (size, times, inode), V8's data and its
 * checksum. V8 checks its data against its own version and flags and the source's length only: the file's identity
 * keeps a chunk rewritten in place (an upgrade, an edit, a restored mtime: the ctime still moves) from running the
 * code of the chunk it replaced. Nor does a release build of V8 check the data's integrity: damaged data (a torn
 * write, a bad disk) makes it abort the process, at every run, so the checksum is checked before V8 sees the data.
 */
export interface CacheEntry extends FileIdentity {
  data: Buffer;
  /** checksum(data) when the data was written. */
  sum: number;
}

/** Which file, and which version of it, a cache entry was made from. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** True when the cache's entry was made from the file `stats` describes (its size, mtime, ctime and inode). */
export function sameFile(entry: FileIdentity, stats: FileIdentity): boolean {
  return (
    entry.size === stats.size &&
    entry.mtimeMs === stats.mtimeMs &&
    entry.ctimeMs === stats.ctimeMs &&
    entry.ino === stats.ino
  );
}

/** A 32-bit FNV-1a over 32-bit words (then the odd bytes): about 2 ms for 600 KB, as a run reads. */
export function checksum(data: Uint8Array): number {
  const aligned = data.byteOffset % 4 === 0 ? data : Uint8Array.from(data);
  const words = new Int32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ (words[i] as number), 16777619);
  for (let i = words.length * 4; i < aligned.length; i++)
    hash = Math.imul(hash ^ (aligned[i] as number), 16777619);
  return hash >>> 0;
}

/** A cache file: MAGIC, the index's length (u32 LE), the index (JSON: IndexEntry[]), then each entry's data. */
const MAGIC = Buffer.from("ecs-anywhere-agent code cache 2\n");
type IndexEntry = [
  name: string,
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  ino: number,
  length: number,
  sum: number,
];

/** The cache file's bytes for `entries`. */
export function serializeCache(entries: ReadonlyMap<string, CacheEntry>): Buffer {
  const list = [...entries];
  const index = Buffer.from(
    JSON.stringify(
      list.map(([name, e]): IndexEntry => [name, e.size, e.mtimeMs, e.ctimeMs, e.ino, e.data.length, e.sum]),
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
    if (!Array.isArray(item) || item.length !== 7) return new Map();
    const [name, size, mtimeMs, ctimeMs, ino, length, sum] = item as unknown[];
    const numbers = [size, mtimeMs, ctimeMs, ino, length, sum].every(
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
      sum: sum as number,
    });
    at += length as number;
  }
  return at === bytes.length ? entries : new Map();
}
