import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../src/adapters/aws/clients.ts";
import { Redactor } from "../../src/util/redact.ts";
import { cli } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";
import { useEmulator } from "../support/emulator.ts";

/** `activation create --out` never silently overwrites a live activation. */

const ctx = useEmulator();
let scratch: string;
let out: string;
let first: { activationId: string; expiresAt: string };
beforeEach(async () => {
  const setup = await cli(["setup"], ctx.env);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  scratch = await mkdtemp(join(tmpdir(), "ecsa-live-"));
  out = join(scratch, "a.json");
  const created = await cli(["activation", "create", "--out", out], ctx.env);
  if (created.code !== 0) throw new Error(`activation create failed: ${created.stderr}`);
  first = JSON.parse(await readFile(out, "utf8"));
  ctx.emu.clearCalls();
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

const creates = () => ctx.emu.calls().filter((call) => call.action === "CreateActivation");

describe("activation create --out FILE that holds a live activation", () => {
  it("exits 2 naming the activation and its expiry, creates none, and leaves the file as it was", async () => {
    const before = await readFile(out, "utf8");
    const run = await cli(["activation", "create", "--out", out], ctx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `--out: ${out} holds activation ${first.activationId}, which can still register a host until ${new Date(first.expiresAt).toISOString()}`,
    );
    expect(run.stderr).toMatch(/fix: .*--force/);
    expect(creates()).toEqual([]);
    expect(await readFile(out, "utf8")).toBe(before);
  });

  it("refuses in a dry run too", async () => {
    const run = await cli(["activation", "create", "--out", out, "--dry-run"], ctx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(first.activationId);
  });

  it("with --force replaces it", async () => {
    const run = await cli(["activation", "create", "--out", out, "--force"], ctx.env);
    expect(run.code, run.stderr).toBe(0);
    expect(creates()).toHaveLength(1);
    expect(JSON.parse(await readFile(out, "utf8")).activationId).not.toBe(first.activationId);
  });

  it("replaces an expired one (by the clock port), saying so", async () => {
    const later = fakeClock(new Date(new Date(first.expiresAt).getTime() + 60_000));
    const run = await cli(["activation", "create", "--out", out], ctx.env, { clock: later });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`replacing ${out}: activation ${first.activationId} expired at`);
    expect(creates()).toHaveLength(1);
  });

  it("replaces one SSM reports used up or no longer knows", async () => {
    const { activationCode } = JSON.parse(await readFile(out, "utf8"));
    ctx.emu.registerManagedInstance({
      activationId: first.activationId,
      activationCode,
      region: "eu-west-1",
    });
    const used = await cli(["activation", "create", "--out", out], ctx.env);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stderr).toContain("is used up (1 of 1 registrations)");

    const second = JSON.parse(await readFile(out, "utf8")).activationId as string;
    const ports = await createAwsPorts({ region: "eu-west-1", env: ctx.env, redactor: new Redactor() });
    await ports.ssm.deleteActivation(second);
    ctx.emu.clearCalls();
    const gone = await cli(["activation", "create", "--out", out], ctx.env);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stderr).toContain(`activation ${second} does not exist`);
    expect(creates()).toHaveLength(1);
  });

  it("replaces a file that is no activation file, as before", async () => {
    await writeFile(out, "not json\n", { mode: 0o600 });
    const run = await cli(["activation", "create", "--out", out], ctx.env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain("WARNING");
  });
});
