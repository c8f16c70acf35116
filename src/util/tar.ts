import { gzipSync } from "node:zlib";

/** One regular file of an archive. */
export interface TarEntry {
  /** A relative path with "/" separators; at most 255 bytes (ustar: 155 of prefix, 100 of name). */
  name: string;
  content: Buffer;
  /** Permission bits (default 0o600). */
  mode?: number;
  mtime: Date;
}

const BLOCK = 512;

/**
 * A POSIX ustar archive of regular files, gzip-compressed: what `tar -xzf` reads everywhere. Only what a
 * support bundle needs: no directories, links or long-name extensions, owner root (uid/gid 0).
 */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(header(entry));
    blocks.push(entry.content);
    const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  // The end of the archive: two zero blocks.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

function header(entry: TarEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(entry.name);
  block.write(name, 0, 100, "utf8");
  octal(block, 100, 8, (entry.mode ?? 0o600) & 0o7777);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, entry.content.length);
  octal(block, 136, 12, Math.floor(entry.mtime.getTime() / 1000));
  block.write("        ", 148, 8, "ascii"); // the checksum counts its own field as spaces
  block.write("0", 156, 1, "ascii"); // typeflag: regular file
  block.write("ustar\u0000", 257, 6, "ascii");
  block.write("00", 263, 2, "ascii");
  block.write("root", 265, 32, "ascii");
  block.write("root", 297, 32, "ascii");
  block.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "ascii");
  return block;
}

/** A field of `width` bytes: octal digits, zero-padded, NUL-terminated. */
function octal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
  block.write(`${digits.padStart(width - 1, "0")}\u0000`, offset, width, "ascii");
}

/** ustar keeps names over 100 bytes as prefix + "/" + name, split at a "/". */
function splitName(path: string): { prefix: string; name: string } {
  if (path === "" || path.startsWith("/") || path.split("/").includes("..")) {
    throw new Error(`tar: entry names are relative paths without "..": ${path}`);
  }
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let at = path.indexOf("/"); at >= 0; at = path.indexOf("/", at + 1)) {
    const prefix = path.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") {
      return { prefix, name };
    }
  }
  throw new Error(`tar: entry name too long for ustar: ${path}`);
}
