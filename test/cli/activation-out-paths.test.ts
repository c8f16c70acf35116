import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
});
