import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readTextFileSync } from "../../../src/adapters/host/bounded-read.ts";
import { HostFileError, HostFs, type HostFsFaults, INPUT_FILE_LIMIT } from "../../../src/adapters/host/fs.ts";
import { fakeClock } from "../../support/clock.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "hostfs-hardening-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const hostFs = (faults: HostFsFaults = {}) => new HostFs(root, fakeClock(), faults);
const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

describe("reading an input file", () => {
  const files = new HostFs("/");

  it("gives the exact bytes and the mode of a regular file, even when they are not UTF-8", async () => {
    const file = path.join(root, "script.sh");
    const bytes = Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x0a, 0xc3]);
    await writeFile(file, bytes, { mode: 0o640 });
    const read = await files.readInputFile(file);
    expect(read?.bytes.equals(bytes)).toBe(true);
    expect(read?.mode).toBe(0o640);
    expect(await files.readInputFile(path.join(root, "missing"))).toBeUndefined();
  });

  it("refuses a FIFO at once instead of waiting for a writer", { timeout: 5_000 }, async () => {
    const fifo = path.join(root, "pipe");
    execFileSync("mkfifo", [fifo]);
    await expect(files.readInputFile(fifo)).rejects.toMatchObject({
      code: "ENOTREG",
      message: "it is a FIFO (named pipe), not a regular file",
    });
    expect(() => readTextFileSync(fifo)).toThrow("it is a FIFO (named pipe), not a regular file");
  });

  it("refuses /dev/zero, by path or through a symlink", { timeout: 5_000 }, async () => {
    const link = path.join(root, "zero");
    await symlink("/dev/zero", link);
    for (const file of ["/dev/zero", link]) {
      await expect(files.readInputFile(file)).rejects.toMatchObject({ code: "ENOTREG" });
      expect(() => readTextFileSync(file)).toThrow("it is a character device, not a regular file");
    }
  });

  it("refuses a file over the limit without reading it (a 200 MB sparse file)", {
    timeout: 5_000,
  }, async () => {
    const big = path.join(root, "big.yaml");
    await writeFile(big, "");
    await truncate(big, 200 * 1024 * 1024);
    await expect(files.readInputFile(big)).rejects.toMatchObject({
      code: "EFBIG",
      message: "it is larger than the 1 MiB limit",
    });
    expect(() => readTextFileSync(big)).toThrow("it is larger than the 1 MiB limit");
  });

  it("accepts a file of exactly the limit and refuses one byte more", async () => {
    const file = path.join(root, "edge");
    await writeFile(file, Buffer.alloc(INPUT_FILE_LIMIT, 0x61));
    expect((await files.readInputFile(file))?.bytes.length).toBe(INPUT_FILE_LIMIT);
    expect(readTextFileSync(file)?.length).toBe(INPUT_FILE_LIMIT);
    await writeFile(file, Buffer.alloc(INPUT_FILE_LIMIT + 1, 0x61));
    await expect(files.readInputFile(file)).rejects.toMatchObject({ code: "EFBIG" });
  });

  it("reads a directory as EISDIR", async () => {
    await expect(files.readInputFile(root)).rejects.toMatchObject({ code: "EISDIR" });
  });
});

describe("reading a host file (readText)", () => {
  it("refuses a FIFO, a device or an oversized file in its place at once, naming the path", {
    timeout: 5_000,
  }, async () => {
    const fs = hostFs();
    await fs.mkdir("/etc/ecs");
    const config = fs.resolve("/etc/ecs/ecs.config");
    execFileSync("mkfifo", [config]);
    await expect(fs.readText("/etc/ecs/ecs.config")).rejects.toThrow(
      `cannot read ${config}: it is a FIFO (named pipe), not a regular file`,
    );
    await rm(config);
    await symlink("/dev/zero", config);
    await expect(fs.readText("/etc/ecs/ecs.config")).rejects.toThrow(
      `cannot read ${config}: it is a character device, not a regular file`,
    );
    await rm(config);
    await writeFile(config, "");
    await truncate(config, 200 * 1024 * 1024);
    await expect(fs.readText("/etc/ecs/ecs.config")).rejects.toMatchObject({ code: "EFBIG" });
    await rm(config);
    await mkdir(config);
    await expect(fs.readText("/etc/ecs/ecs.config")).rejects.toThrow(
      `cannot read ${config}: it is a directory (EISDIR)`,
    );
    expect(await fs.readText("/etc/ecs/missing")).toBeUndefined();
  });
});

describe("a failed write names the file and the cause", () => {
  it("EISDIR: the target is a directory", async () => {
    const fs = hostFs();
    await fs.mkdir("/etc/ecs/ecs.config");
    const error = await fs.writeFileAtomic("/etc/ecs/ecs.config", "A=1\n", { mode: 0o600 }).catch((e) => e);
    expect(error).toBeInstanceOf(HostFileError);
    expect(error.message).toBe(
      `cannot write ${fs.resolve("/etc/ecs/ecs.config")}: it is a directory (EISDIR)`,
    );
    expect(error.code).toBe("EISDIR");
  });

  it("ENOSPC: a full disk, with the target's name (not the temp file's) and no temp file left", async () => {
    const fs = hostFs({
      beforeWrite: () => {
        throw errno("ENOSPC");
      },
    });
    await fs.mkdir("/var/lib/agent");
    const error = await fs
      .writeFileAtomic("/var/lib/agent/state.json", "{}\n", { mode: 0o600 })
      .catch((e) => e);
    expect(error.message).toBe(
      `cannot write ${fs.resolve("/var/lib/agent/state.json")}: no space left on the device (ENOSPC)`,
    );
    expect(error.remediation).toMatch(/free some space/);
    expect(await readdir(fs.resolve("/var/lib/agent"))).toEqual([]);
  });

  it("EROFS: a read-only root is reported as such", async () => {
    const fs = hostFs({
      beforeWrite: () => {
        throw errno("EROFS");
      },
    });
    await fs.mkdir("/etc/ecs");
    const error = await fs.writeFileAtomic("/etc/ecs/ecs.config", "A=1\n", { mode: 0o644 }).catch((e) => e);
    expect(error.message).toBe(
      `cannot write ${fs.resolve("/etc/ecs/ecs.config")}: the file system is read-only (EROFS)`,
    );
    expect(error.remediation).toMatch(/root is mounted read-only/);
  });

  it("a lock whose write fails is not left behind empty", async () => {
    const fs = hostFs({
      beforeWrite: () => {
        throw errno("ENOSPC");
      },
    });
    await fs.mkdir("/var/lib/agent");
    await expect(fs.createExclusive("/var/lib/agent/lock", '{"pid":1}\n', 0o600)).rejects.toThrow(
      `cannot create ${fs.resolve("/var/lib/agent/lock")}: no space left on the device (ENOSPC)`,
    );
    expect(await readdir(fs.resolve("/var/lib/agent"))).toEqual([]);
  });

  it("creating a folder under a file says which path", async () => {
    const fs = hostFs();
    await fs.writeFileAtomic("/etc", "not a folder\n", { mode: 0o644 });
    await expect(fs.mkdir("/etc/ecs")).rejects.toThrow(
      `cannot create the folder ${fs.resolve("/etc/ecs")}: a folder on the way is not a directory (ENOTDIR)`,
    );
  });
});

describe("writing an operator's file (regularOnly)", () => {
  it("refuses to replace a symlink, FIFO or device, and replaces a regular file", async () => {
    const fs = new HostFs("/");
    const link = path.join(root, "link");
    await symlink(path.join(root, "elsewhere"), link);
    const fifo = path.join(root, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const [file, kind] of [
      [link, "symlink"],
      [fifo, "device, FIFO or socket"],
      ["/dev/null", "device, FIFO or socket"],
    ]) {
      await expect(
        fs.writeFileAtomic(file as string, "x", { mode: 0o600, regularOnly: true }),
      ).rejects.toThrow(`cannot write ${file}: it is a ${kind}`);
    }
    const plain = path.join(root, "plain.json");
    await writeFile(plain, "old");
    expect(await fs.writeFileAtomic(plain, "new", { mode: 0o600, regularOnly: true })).toBe(true);
  });
});
