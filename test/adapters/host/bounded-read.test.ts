import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readOpenFile, readTextFileSync, roomFor } from "../../../src/adapters/host/bounded-read.ts";

describe("roomFor: the read buffer", () => {
  it("starts at the size the file claims plus one byte (to see it grew), at least 4 KiB, at most limit+1", () => {
    expect(roomFor(undefined, 0, 100, 1024 * 1024).length).toBe(4096);
    expect(roomFor(undefined, 0, 10_000, 1024 * 1024).length).toBe(10_001);
    expect(roomFor(undefined, 0, 0, 1000).length).toBe(1001);
    expect(roomFor(undefined, 0, 5_000_000, 1024 * 1024).length).toBe(1024 * 1024 + 1);
  });

  it("is kept while it has room, and doubles (at most limit+1) with the bytes read so far when full", () => {
    const first = roomFor(undefined, 0, 0, 10_000);
    expect(roomFor(first, 10, 0, 10_000)).toBe(first);
    first.fill(0x61);
    const second = roomFor(first, first.length, 0, 10_000);
    expect(second.length).toBe(8192);
    expect(second.subarray(0, 4096).every((byte) => byte === 0x61)).toBe(true);
    expect(roomFor(second, second.length, 0, 10_000).length).toBe(10_001);
  });
});

describe("a file that grew after its size was read", () => {
  it("is read whole, the buffer doubling past the size fstat gave", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bounded-read-"));
    try {
      const file = join(dir, "grown");
      const text = "x".repeat(20_000);
      await writeFile(file, text);
      // A handle whose fstat gives the size as it was before the file grew (it says 20,000 now).
      const staleHandle = async () => {
        const handle = await open(file);
        const stat = handle.stat.bind(handle);
        handle.stat = (async () => Object.assign(await stat(), { size: 10 })) as typeof handle.stat;
        return handle;
      };
      for (const [limit, outcome] of [
        [undefined, "whole"],
        [19_999, "EFBIG"],
      ] as const) {
        const handle = await staleHandle();
        try {
          const read = readOpenFile(handle, limit);
          if (outcome === "whole") expect((await read).bytes.toString("utf8")).toBe(text);
          else await expect(read).rejects.toMatchObject({ code: "EFBIG" });
        } finally {
          await handle.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// /proc files say they are empty (st_size 0): the reads go on past the first buffer until the end or the limit.
const procCrypto = existsSync("/proc/crypto") ? readFileSync("/proc/crypto", "utf8") : "";
describe.runIf(procCrypto.length > 4096 && existsSync("/proc/kallsyms"))("a file whose size lies", () => {
  it("is read whole past the first buffer (/proc/crypto, over 4 KiB)", async () => {
    const expected = readFileSync("/proc/crypto", "utf8");
    expect(readTextFileSync("/proc/crypto")).toBe(expected);
    const handle = await open("/proc/crypto");
    try {
      expect((await readOpenFile(handle)).bytes.toString("utf8")).toBe(expected);
    } finally {
      await handle.close();
    }
  });

  it("is refused once it passes the limit (/proc/kallsyms, megabytes)", async () => {
    expect(() => readTextFileSync("/proc/kallsyms", 64 * 1024)).toThrow("larger than the");
    const handle = await open("/proc/kallsyms");
    try {
      await expect(readOpenFile(handle, 64 * 1024)).rejects.toMatchObject({ code: "EFBIG" });
    } finally {
      await handle.close();
    }
  });
});
