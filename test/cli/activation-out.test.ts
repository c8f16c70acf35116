import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();
let scratch: string;
beforeEach(async () => {
  const setup = await cli(["setup"], ctx.env);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  ctx.emu.clearCalls();
  scratch = await mkdtemp(join(tmpdir(), "ecsa-out-"));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe("activation create --out into a folder that does not exist", () => {
  for (const output of ["text", "json"]) {
    it(`exits 2 naming --out and the folder, before any AWS call (--output ${output})`, async () => {
      const folder = join(scratch, "nonexistent", "dir");
      const out = join(folder, "a.json");
      const run = await cli(["activation", "create", "--out", out, "--output", output], ctx.env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error (input): --out: folder does not exist: ${folder}`);
      if (output === "json") {
        // Scripts get one JSON document on stdout, the failure included.
        expect(JSON.parse(run.stdout)).toEqual({
          ok: false,
          error: { kind: "input", message: `--out: folder does not exist: ${folder}` },
        });
      } else expect(run.stdout).toBe("");
      // Zero AWS calls: no activation was created (and so none is left without anyone knowing its code).
      expect(ctx.emu.calls()).toEqual([]);
      expect(ctx.emu.state.activations).toEqual({});
      expect(existsSync(out)).toBe(false);
      expect(existsSync(folder)).toBe(false);
    });
  }

  it("says so in the text error line, as bad input", async () => {
    const run = await cli(["activation", "create", "--out", "/nonexistent/dir/a.json"], ctx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \(input\): --out: folder does not exist: \/nonexistent\/dir$/m);
    expect(ctx.emu.calls()).toEqual([]);
  });

  it("still creates the activation when the folder exists (the check is not over-eager)", async () => {
    const out = join(scratch, "a.json");
    const run = await cli(["activation", "create", "--out", out], ctx.env);
    expect(run.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(ctx.emu.calls().map((call) => call.action)).toEqual(["CreateActivation"]);
  });
});
