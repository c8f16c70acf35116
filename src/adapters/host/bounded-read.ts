import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { INPUT_FILE_LIMIT, isMissing, refuseUnlessRegular, tooBig } from "./file-error.ts";

// Reading an input file (config, activation, code, script, key, a probe's state file) whole but bounded: only a
// regular file (checked with fstat on a descriptor opened non-blocking, so a FIFO or device in its place is
// refused without blocking) of at most `limit` bytes, reading at most limit+1 bytes whatever st_size says (0 for
// /proc files, stale for a file still growing). The buffer starts at the size the file claims, not at the limit:
// a pass of the daemon reads a dozen small files, and a zero-filled 1 MiB buffer for each was most of the
// reading's cost (field notes §9.10).
// Reading the tail of a file (a log for a support bundle) is bounded the other way: a regular file of any size,
// of which only the last bytes are read.

/** How an input file is opened: read-only, never blocking (a FIFO), never becoming a controlling terminal. */
export const OPEN_INPUT_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** The smallest first buffer: a file that says it is empty (a /proc file) is read in steps from there. */
const FIRST_BUFFER = 4096;

/** A buffer with room after `length` bytes of `buffer` (twice its size, at most limit+1), holding those bytes. */
export function roomFor(buffer: Buffer | undefined, length: number, claimed: number, limit: number): Buffer {
  if (buffer === undefined) return Buffer.alloc(Math.min(limit + 1, Math.max(claimed + 1, FIRST_BUFFER)));
  if (length < buffer.length) return buffer;
  const larger = Buffer.alloc(Math.min(limit + 1, buffer.length * 2));
  buffer.copy(larger, 0, 0, length);
  return larger;
}

/** The bytes of the open `handle`, bounded as above (EISDIR, ENOTREG, EFBIG errors); its permission bits. */
export async function readOpenFile(
  handle: FileHandle,
  limit = INPUT_FILE_LIMIT,
): Promise<{ bytes: Buffer; mode: number }> {
  const stats = await handle.stat();
  refuseUnlessRegular(stats, limit);
  let buffer: Buffer | undefined;
  let length = 0;
  for (;;) {
    buffer = roomFor(buffer, length, stats.size, limit);
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > limit) throw tooBig(limit);
  }
  return { bytes: buffer.subarray(0, length), mode: stats.mode & 0o7777 };
}

/**
 * The text of the input file at `path` as given (not joined under a HostFs root), or undefined when it does
 * not exist; other errors are thrown. Bounded as above. Synchronous because config loading is.
 */
export function readTextFileSync(file: string, limit = INPUT_FILE_LIMIT): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, OPEN_INPUT_FLAGS);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    refuseUnlessRegular(stats, limit);
    let buffer: Buffer | undefined;
    let length = 0;
    for (;;) {
      buffer = roomFor(buffer, length, stats.size, limit);
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) throw tooBig(limit);
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `maxBytes` of the open `handle` (a regular file of any size, else ENOTREG or EISDIR), starting at a whole
 * line when older content was left out.
 */
export async function readTailOfOpenFile(
  handle: FileHandle,
  maxBytes: number,
): Promise<{ text: string; size: number; truncated: boolean }> {
  const stats = await handle.stat();
  refuseUnlessRegular(stats, Number.MAX_SAFE_INTEGER);
  const start = Math.max(0, stats.size - maxBytes);
  const buffer = Buffer.alloc(Math.min(stats.size, maxBytes));
  let length = 0;
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, start + length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  let text = buffer.subarray(0, length).toString("utf8");
  if (start > 0) text = text.slice(text.indexOf("\n") + 1);
  return { text, size: stats.size, truncated: start > 0 };
}
