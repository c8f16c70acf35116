import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFileError, HostFs } from "../../../src/adapters/host/fs.ts";
import { fakeClock } from "../../support/clock.ts";

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "hostfs-tail-"));
  root = path.join(base, "root");
  await mkdir(path.join(root, "var/log"), { recursive: true });
  await writeFile(path.join(base, "outside-secret"), "not the host's file\n");
});
afterEach(() => rm(base, { recursive: true, force: true }));

const hostFs = () => new HostFs(root, fakeClock());

describe("HostFs.readTail", () => {
  it("gives a small file whole, and only the newest whole lines of a large one", async () => {
    await writeFile(path.join(root, "var/log/small.log"), "one\ntwo\n");
    expect(await hostFs().readTail("/var/log/small.log", 100)).toEqual({
      text: "one\ntwo\n",
      size: 8,
      truncated: false,
    });
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n");
    await writeFile(path.join(root, "var/log/big.log"), `${lines}\n`);
    const tail = await hostFs().readTail("/var/log/big.log", 100);
    expect(tail?.truncated).toBe(true);
    expect(tail?.text.endsWith("line 999\n")).toBe(true);
    expect(tail?.text.split("\n")[0]).toMatch(/^line \d+$/);
    expect(Buffer.byteLength(tail?.text ?? "")).toBeLessThanOrEqual(100);
    expect(await hostFs().readTail("/var/log/missing.log", 100)).toBeUndefined();
  });

  it("follows a symlink that stays inside the root", async () => {
    await writeFile(path.join(root, "var/log/real.log"), "inside\n");
    await symlink("real.log", path.join(root, "var/log/link.log"));
    expect((await hostFs().readTail("/var/log/link.log", 100))?.text).toBe("inside\n");
  });

  it("refuses a symlink that leads out of the root, absolute or relative, in any folder on the way", async () => {
    await symlink(path.join(base, "outside-secret"), path.join(root, "var/log/abs.log"));
    await symlink("../../../outside-secret", path.join(root, "var/log/rel.log"));
    await symlink(base, path.join(root, "var/escape"));
    for (const hostPath of ["/var/log/abs.log", "/var/log/rel.log", "/var/escape/outside-secret"]) {
      await expect(hostFs().readTail(hostPath, 100), hostPath).rejects.toMatchObject({
        name: "HostFileError",
        code: "ENOTREG",
        message: expect.stringContaining("leads out of the root"),
      });
    }
  });

  it("refuses a FIFO at once instead of waiting for a writer", { timeout: 5_000 }, async () => {
    execFileSync("mkfifo", [path.join(root, "var/log/pipe.log")]);
    const error = await hostFs()
      .readTail("/var/log/pipe.log", 100)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostFileError);
    expect((error as HostFileError).code).toBe("ENOTREG");
  });
});
