import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CacheEntry,
  checksum,
  parseCache,
  sameFile,
  serializeCache,
} from "../../src/boot/cache-format.ts";
import {
  cacheDirectory,
  cacheFileName,
  commandWord,
  pruneCache,
  readCacheFile,
  STALE_MS,
  writeCacheFile,
} from "../../src/boot/code-cache.ts";

const UID = process.getuid?.() ?? 0;
const temp = () => mkdtempSync(join(tmpdir(), "ecsa-code-cache-"));
const entry = (text: string, ino = 7): CacheEntry => ({
  size: 10,
  mtimeMs: 1_700_000_000_123.456,
  ctimeMs: 1_700_000_000_789.5,
  ino,
  data: Buffer.from(text),
  sum: checksum(Buffer.from(text)),
});

describe("the cache file's format", () => {
  it("reads back what it wrote, entry by entry", () => {
    const entries = new Map([
      ["chunks/a-1.cjs", entry("first")],
      ["chunks/b-2.cjs", entry("second", 8)],
    ]);
    const parsed = parseCache(serializeCache(entries));
    expect([...parsed.keys()]).toEqual(["chunks/a-1.cjs", "chunks/b-2.cjs"]);
    for (const [name, want] of entries) {
      const got = parsed.get(name);
      expect({ ...got, data: got?.data.toString() }).toEqual({ ...want, data: want.data.toString() });
    }
    expect(parseCache(serializeCache(new Map())).size).toBe(0);
  });

  it("gives no entry for bytes that are not a whole cache file of its own", () => {
    const bytes = serializeCache(new Map([["chunks/a-1.cjs", entry("first")]]));
    const header = Buffer.from("ecs-anywhere-agent code cache 2\n");
    const index = (json: string) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(Buffer.byteLength(json));
      return Buffer.concat([header, length, Buffer.from(json)]);
    };
    for (const bad of [
      Buffer.alloc(0),
      bytes.subarray(0, bytes.length - 1), // torn
      Buffer.concat([bytes, Buffer.from("x")]), // trailing bytes
      Buffer.concat([Buffer.from("another format\n"), bytes.subarray(header.length)]),
      index("{not json"),
      index('{"a":1}'),
      index('[["a", 1, 2, 3, 4, 0]]'), // an entry of the format before
      index('[["a", 1, 2, 3, 4, 99, 0]]'), // data past the end
      index('[["a", -1, 2, 3, 4, 0, 0]]'),
      index('[["a", 1, 2, 3, 4, 0, "sum"]]'),
      index("[[1, 1, 2, 3, 4, 0, 0]]"),
    ]) {
      expect(parseCache(bad).size).toBe(0);
    }
    expect(parseCache(index('[["a", 1, 2, 3, 4, 0, 0]]')).size).toBe(1); // the helper makes valid files too
  });

  it("knows a chunk by its size, mtime, ctime and inode", () => {
    const identity = { size: 10, mtimeMs: 5.5, ctimeMs: 6.25, ino: 3 };
    expect(sameFile(identity, { ...identity })).toBe(true);
    for (const changed of [{ size: 11 }, { mtimeMs: 5.6 }, { ctimeMs: 6.5 }, { ino: 4 }]) {
      expect(sameFile(identity, { ...identity, ...changed })).toBe(false);
    }
  });

  it("sums the data so that a changed byte anywhere is seen", () => {
    const data = Buffer.from(Array.from({ length: 1027 }, (_, i) => (i * 7) % 256));
    const sum = checksum(data);
    for (const at of [0, 3, 512, 1024, 1026]) {
      const changed = Buffer.from(data);
      changed[at] = (changed[at] as number) ^ 1;
      expect(checksum(changed), `byte ${at}`).not.toBe(sum);
    }
    expect(checksum(Buffer.from(data))).toBe(sum);
    expect(checksum(data.subarray(1))).toBe(checksum(Buffer.from(data.subarray(1)))); // unaligned as aligned
  });

  it("names a file per Node version, architecture, command word, bundle folder and node options", () => {
    const name = (argv: string[], root = "/opt/a/dist", options = "") => cacheFileName(argv, root, options);
    const prefix = `${process.version}-${process.arch}-status-`;
    expect(name(["status", "--no-daemon"]).startsWith(prefix)).toBe(true);
    expect(name(["status", "--no-daemon"]).slice(prefix.length)).toMatch(/^[0-9a-f]{8}\.bin$/);
    expect(name(["status"])).toBe(name(["status", "--output", "json"]));
    expect(name(["status"])).not.toBe(name(["check"]));
    expect(name(["status"])).not.toBe(name(["status"], "/opt/b/dist"));
    expect(name(["status"])).not.toBe(name(["status"], "/opt/a/dist", "--max-semi-space-size=1"));
    expect(commandWord(["support-bundle"])).toBe("support-bundle");
    for (const argv of [[], ["--version"], ["../../etc/passwd"], ["Status"], ["a".repeat(41)], ["st atus"]]) {
      expect(commandWord(argv)).toBe("default");
    }
  });
});

describe("where the cache lives", () => {
  it("is a directory of this user's, mode 0700, made in the temporary directory", () => {
    const tmp = temp();
    const directory = cacheDirectory({}, UID, tmp);
    expect(directory).toBe(join(tmp, `ecs-anywhere-agent-${UID}-code-cache`));
    const stats = lstatSync(directory as string);
    expect(stats.isDirectory() && (stats.mode & 0o777) === 0o700).toBe(true);
    expect(cacheDirectory({}, UID, tmp)).toBe(directory); // found again
  });

  it("is none when turned off, for another user's or a loose directory, a symlink, or a parent others can write", () => {
    expect(cacheDirectory({ NODE_DISABLE_COMPILE_CACHE: "1" }, UID, temp())).toBeUndefined();
    expect(cacheDirectory({}, undefined, temp())).toBeUndefined();
    // The name is taken: by a directory of another mode, or a symlink to one that would do.
    const loose = temp();
    mkdirSync(join(loose, `ecs-anywhere-agent-${UID}-code-cache`), { mode: 0o755 });
    chmodSync(join(loose, `ecs-anywhere-agent-${UID}-code-cache`), 0o755);
    expect(cacheDirectory({}, UID, loose)).toBeUndefined();
    const linked = temp();
    const elsewhere = mkdtempSync(join(tmpdir(), "ecsa-elsewhere-"));
    chmodSync(elsewhere, 0o700);
    symlinkSync(elsewhere, join(linked, `ecs-anywhere-agent-${UID}-code-cache`));
    expect(cacheDirectory({}, UID, linked)).toBeUndefined();
    // Another user's directory (told by the uid this user is not).
    const theirs = temp();
    expect(cacheDirectory({}, UID, theirs)).toBeDefined();
    expect(cacheDirectory({}, UID + 1, theirs)).toBeUndefined();
    // A parent anyone can write to without the sticky bit: the directory could be renamed away and replaced.
    const open = temp();
    chmodSync(open, 0o777);
    expect(cacheDirectory({}, UID, open)).toBeUndefined();
    expect(readdirSync(open)).toEqual([]);
    chmodSync(open, 0o1777);
    expect(cacheDirectory({}, UID, open)).toBeDefined();
  });

  it("is NODE_COMPILE_CACHE when set, if that is a directory of this user's that nobody else can write or move", () => {
    const chosen = temp();
    chmodSync(chosen, 0o755);
    expect(cacheDirectory({ NODE_COMPILE_CACHE: chosen }, UID, temp())).toBe(chosen);
    expect(cacheDirectory({ NODE_COMPILE_CACHE: chosen }, UID + 1, temp())).toBeUndefined();
    chmodSync(chosen, 0o775);
    expect(cacheDirectory({ NODE_COMPILE_CACHE: chosen }, UID, temp())).toBeUndefined();
    chmodSync(chosen, 0o700);
    const link = join(temp(), "link");
    symlinkSync(chosen, link);
    expect(cacheDirectory({ NODE_COMPILE_CACHE: link }, UID, temp())).toBeUndefined();
    expect(cacheDirectory({ NODE_COMPILE_CACHE: join(chosen, "missing") }, UID, temp())).toBeUndefined();
    expect(
      cacheDirectory({ NODE_COMPILE_CACHE: chosen, NODE_DISABLE_COMPILE_CACHE: "1" }, UID, temp()),
    ).toBeUndefined();
    const open = temp();
    chmodSync(open, 0o777);
    mkdirSync(join(open, "cache"), { mode: 0o700 });
    expect(cacheDirectory({ NODE_COMPILE_CACHE: join(open, "cache") }, UID, temp())).toBeUndefined();
    chmodSync(open, 0o1777);
    expect(cacheDirectory({ NODE_COMPILE_CACHE: join(open, "cache") }, UID, temp())).toBe(
      join(open, "cache"),
    );
  });
});

describe("reading and writing a cache file", () => {
  const bytes = serializeCache(new Map([["chunks/a-1.cjs", entry("first")]]));

  it("writes it mode 0600 through a new file renamed over the old one, and reads it back", () => {
    const file = join(temp(), "v-x-status.bin");
    writeCacheFile(file, bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(readCacheFile(file, UID).get("chunks/a-1.cjs")?.data.toString()).toBe("first");
    const other = serializeCache(new Map([["chunks/b-2.cjs", entry("second")]]));
    const before = statSync(file).ino;
    writeCacheFile(file, other);
    expect(statSync(file).ino).not.toBe(before); // replaced, not rewritten in place
    expect([...readCacheFile(file, UID).keys()]).toEqual(["chunks/b-2.cjs"]);
    expect(readdirSync(join(file, ".."))).toEqual(["v-x-status.bin"]);
  });

  it("leaves nothing behind when it cannot write", () => {
    const dir = temp();
    writeCacheFile(join(dir, "missing", "v-x-status.bin"), bytes);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("prunes the files of its own format not written for 30 days, leftovers of killed writes too, and nothing else", () => {
    const dir = temp();
    const name = (command: string) => `v20.20.2-x64-${command}-0123abcd.bin`;
    const stale = [name("status"), name("check"), `${name("setup")}.123-abc.tmp`, "other.bin", "v20.bin"];
    for (const file of [...stale, name("daemon")]) writeFileSync(join(dir, file), "");
    mkdirSync(join(dir, "node-compile-cache")); // Node's own, under NODE_COMPILE_CACHE
    const now = Date.now();
    const old = new Date(now - STALE_MS - 1000);
    for (const file of stale) utimesSync(join(dir, file), old, old);
    pruneCache(dir, name("status"), now);
    const left = [name("daemon"), name("status"), "node-compile-cache", "other.bin", "v20.bin"];
    expect(readdirSync(dir).sort()).toEqual(left.sort());
  });

  it("reads none from a file others can read or write, another user's, a symlink or a missing file", () => {
    const dir = temp();
    const file = join(dir, "v-x-status.bin");
    writeCacheFile(file, bytes);
    expect(readCacheFile(file, UID + 1).size).toBe(0);
    chmodSync(file, 0o640);
    expect(readCacheFile(file, UID).size).toBe(0);
    chmodSync(file, 0o600);
    const link = join(dir, "link.bin");
    symlinkSync(file, link);
    expect(readCacheFile(link, UID).size).toBe(0);
    expect(readCacheFile(join(dir, "missing.bin"), UID).size).toBe(0);
    expect(readCacheFile(dir, UID).size).toBe(0); // a directory
    expect(readCacheFile(file, UID).size).toBe(1);
  });
});
