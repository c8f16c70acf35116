import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../src/adapters/host/fs.ts";
import { readSuppliedActivation } from "../../src/flows/register/activation-source.ts";
import { systemClock } from "../../src/util/clock.ts";
import { Redactor } from "../../src/util/redact.ts";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();
let scratch: string;
beforeEach(async () => {
  const setup = await cli(["setup"], ctx.env);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  ctx.emu.clearCalls();
  scratch = await mkdtemp(join(tmpdir(), "ecsa-count-"));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

const codes = () => Object.values(ctx.emu.state.activations).map((a) => a.activationCode);

describe("activation create --count N --out-dir DIR (one single-use activation per host)", () => {
  it("writes one 0600 file per activation into a new 0700 folder, each usable by register --activation-file", async () => {
    const folder = join(scratch, "fleet");
    const run = await cli(
      ["activation", "create", "--count", "12", "--out-dir", folder, "--output", "json"],
      ctx.env,
    );
    expect(run.code).toBe(0);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const names = await readdir(folder);
    expect(names).toEqual(
      Array.from({ length: 12 }, (_, i) => `activation-${String(i + 1).padStart(2, "0")}.json`),
    );
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ count: 12, folder, region: "eu-west-1", registrationLimit: 1 });
    expect(out.activations.map((a: { file: string }) => a.file)).toEqual(
      names.map((name) => join(folder, name)),
    );
    const stored = ctx.emu.state.activations;
    expect(Object.keys(stored)).toHaveLength(12);
    for (const [i, name] of names.entries()) {
      const file = join(folder, name);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const saved = JSON.parse(await readFile(file, "utf8"));
      expect(saved.activationId).toBe(out.activations[i].activationId);
      expect(stored[saved.activationId]).toMatchObject({
        activationCode: saved.activationCode,
        registrationLimit: 1,
        iamRole: "ECSAnywhereRole",
      });
      // What register reads from --activation-file.
      const supplied = await readSuppliedActivation(
        { activationFile: file },
        {},
        new HostFs("/", systemClock),
        new Redactor(),
      );
      expect(supplied).toMatchObject({
        id: saved.activationId,
        code: saved.activationCode,
        region: "eu-west-1",
      });
    }
    // The codes are in the files only.
    for (const code of codes()) expect(run.stdout + run.stderr).not.toContain(code);
    expect(ctx.emu.calls().map((call) => call.action)).toEqual(Array(12).fill("CreateActivation"));
  });

  it("says in text where the files are, and tightens an empty folder the operator made to 0700", async () => {
    const folder = join(scratch, "empty");
    await mkdir(folder, { mode: 0o755 });
    const run = await cli(["activation", "create", "--count", "3", "--out-dir", folder], ctx.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^Created 3 single-use activation\\(s\\) for role ECSAnywhereRole in eu-west-1: ${folder}/activation-1\\.json to activation-3\\.json \\(mode 0600\\), one per host`,
      ),
    );
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    for (const code of codes()) expect(run.stdout + run.stderr).not.toContain(code);
  });

  it("--dry-run plans the batch and calls and writes nothing", async () => {
    const folder = join(scratch, "planned");
    const run = await cli(
      ["activation", "create", "--count", "1000", "--out-dir", folder, "--dry-run"],
      ctx.env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `create 1000 single-use activation(s) for role ECSAnywhereRole in eu-west-1, expiring in 1h, written to ${folder}/activation-0001.json to activation-1000.json (mode 0600)`,
    );
    expect(ctx.emu.calls()).toEqual([]);
    await expect(stat(folder)).rejects.toThrow();
  });

  it("stops at the first failure, says how many it created and where, and keeps their files", async () => {
    // Two calls' worth of SSM, refilled too slowly to matter, and one attempt per call.
    ctx.emu.rateLimit("ssm", 0.001, 2);
    const folder = join(scratch, "partial");
    const run = await cli(
      ["activation", "create", "--count", "5", "--out-dir", folder, "--max-attempts", "1"],
      ctx.env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `created 2 of 5 activations (files in ${folder}), then: ssm:CreateActivation was throttled by AWS and the retries ran out`,
    );
    expect(run.stderr).toContain("create the other 3 with --count 3 --out-dir ANOTHER_FOLDER");
    expect(await readdir(folder)).toEqual(["activation-1.json", "activation-2.json"]);
    expect(Object.keys(ctx.emu.state.activations)).toHaveLength(2);
  });
});

describe("activation create --count, cancelled", () => {
  it("SIGTERM stops the batch: exit 143, saying how many it created and where; their files stay", async () => {
    // SSM at 2 a second: the batch is still running when the signal comes.
    ctx.emu.rateLimit("ssm", 2, 2);
    const folder = join(scratch, "cancelled");
    const controller = new AbortController();
    // The signal comes once two files are written.
    const watch = setInterval(() => {
      const done = existsSync(folder)
        ? readdirSync(folder).filter((name) => /^activation-\d+\.json$/.test(name))
        : [];
      if (done.length >= 2) controller.abort("SIGTERM");
    }, 5);
    const run = await cli(["activation", "create", "--count", "20", "--out-dir", folder], ctx.env, {
      signal: controller.signal,
    }).finally(() => clearInterval(watch));
    expect(run.code).toBe(143);
    const files = await readdir(folder);
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThan(20);
    expect(run.stderr).toContain(
      `cancelled: cancelled at activation, created ${files.length} of 20 activations (files in ${folder}) (SIGTERM)`,
    );
    for (const code of codes()) expect(run.stdout + run.stderr).not.toContain(code);
  });
});

describe("activation create --count: bad input is refused before any AWS call, nothing written", () => {
  const cases: {
    name: string;
    args: (folder: string) => string[];
    message: string;
    arrange?: (folder: string) => Promise<void>;
  }[] = [
    {
      name: "--count 0",
      args: (f) => ["--count", "0", "--out-dir", f],
      message: "--count: must be a whole number from 1 to 1000",
    },
    {
      name: "--count 1001",
      args: (f) => ["--count", "1001", "--out-dir", f],
      message: "--count: must be a whole number from 1 to 1000",
    },
    {
      name: "--count 2.5",
      args: (f) => ["--count", "2.5", "--out-dir", f],
      message: "--count: must be a whole number from 1 to 1000",
    },
    {
      name: "--count ten",
      args: (f) => ["--count", "ten", "--out-dir", f],
      message: "--count: must be a whole number from 1 to 1000",
    },
    {
      name: "--count without --out-dir",
      args: () => ["--count", "3"],
      message: "--count: needs --out-dir DIR",
    },
    {
      name: "--out-dir without --count",
      args: (f) => ["--out-dir", f],
      message: "--out-dir: needs --count N",
    },
    {
      name: "--count with --out",
      args: (f) => ["--count", "3", "--out-dir", f, "--out", `${f}.json`],
      message: "--out: use --out-dir with --count",
    },
    {
      name: "--count with --force",
      args: (f) => ["--count", "3", "--out-dir", f, "--force"],
      message: "--force: only with --out",
    },
    {
      name: "--count with --registration-limit",
      args: (f) => ["--count", "3", "--out-dir", f, "--registration-limit", "5"],
      message: "--registration-limit: --count makes single-use activations",
    },
    {
      name: "a folder that is not empty",
      args: (f) => ["--count", "3", "--out-dir", f],
      message: "is not empty; name a new or empty folder",
      arrange: async (f) => {
        await mkdir(f);
        await writeFile(join(f, "activation-1.json"), "{}");
      },
    },
    {
      name: "a file",
      args: (f) => ["--count", "3", "--out-dir", f],
      message: "is not a folder; name a new or empty folder",
      arrange: (f) => writeFile(f, ""),
    },
    {
      name: "a symbolic link",
      args: (f) => ["--count", "3", "--out-dir", f],
      message: "is a symbolic link",
      arrange: async (f) => {
        await mkdir(`${f}-target`);
        await symlink(`${f}-target`, f);
      },
    },
    {
      name: "a folder whose parent does not exist",
      args: (f) => ["--count", "3", "--out-dir", join(f, "deeper")],
      message: "--out-dir: folder does not exist:",
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const folder = join(scratch, "out");
      await c.arrange?.(folder);
      const before = await readdir(scratch);
      const run = await cli(["activation", "create", ...c.args(folder)], ctx.env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(c.message);
      expect(run.stderr.trim().split("\n")[0]).toMatch(/^error \(input\): /);
      expect(ctx.emu.calls()).toEqual([]);
      expect(await readdir(scratch)).toEqual(before);
    });
  }
});
