import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { cli, emulatorEnv } from "../support/cli.ts";

// --out is checked before the activation exists: an unusable path must not cost a live activation.
let emu: Emulator;
let scratch: string;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.stop());
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), "ecsa-out-paths-"));
  emu.clearCalls();
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe("activation create --out with an unusable path exits 2 before any AWS call", () => {
  it("when the folder is a file", async () => {
    const file = join(scratch, "a-file");
    await writeFile(file, "");
    const run = await cli(["activation", "create", "--out", join(file, "a.json")], emulatorEnv(emu.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^error \\(input\\): --out: not a folder: ${file}$`, "m"));
    expect(emu.calls()).toEqual([]);
  });

  it("when --out itself is a folder", async () => {
    const folder = join(scratch, "a-folder");
    await mkdir(folder);
    const run = await cli(["activation", "create", "--out", folder], emulatorEnv(emu.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^error \\(input\\): --out: is a folder, not a file: ${folder}$`, "m"),
    );
    expect(emu.calls()).toEqual([]);
  });

  it("when --out is a symbolic link, even to a regular file (the target is left alone)", async () => {
    const target = join(scratch, "target.txt");
    await writeFile(target, "keep me\n");
    const link = join(scratch, "a.json");
    await symlink(target, link);
    const run = await cli(["activation", "create", "--out", link], emulatorEnv(emu.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^error \\(input\\): --out: ${link} is a symbolic link; name a new or regular file$`, "m"),
    );
    expect(await readFile(target, "utf8")).toBe("keep me\n");
    expect(emu.calls()).toEqual([]);
  });

  it("when --out is a dangling symbolic link", async () => {
    const link = join(scratch, "a.json");
    await symlink(join(scratch, "nowhere"), link);
    const run = await cli(["activation", "create", "--out", link], emulatorEnv(emu.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--out: ${link} is a symbolic link`);
    expect(emu.calls()).toEqual([]);
  });

  it("when --out is a FIFO (answers at once instead of blocking)", async () => {
    const fifo = join(scratch, "a.fifo");
    execFileSync("mkfifo", [fifo]);
    const run = await cli(["activation", "create", "--out", fifo], emulatorEnv(emu.url));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--out: ${fifo} is a device, FIFO or socket; name a new or regular file`);
    expect(emu.calls()).toEqual([]);
  });

  it("when --out is a device such as /dev/null (which would be replaced by a plain file)", async () => {
    const run = await cli(
      ["activation", "create", "--output", "json", "--out", "/dev/null"],
      emulatorEnv(emu.url),
    );
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toBe(
      "--out: /dev/null is a device, FIFO or socket; name a new or regular file",
    );
    expect(emu.calls().filter((call) => call.action === "CreateActivation")).toEqual([]);
    expect(emu.calls()).toEqual([]);
  });
});
