import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateActivationCommand } from "@aws-sdk/client-ssm";
import { beforeEach, describe, expect, it } from "vitest";
import { testClients } from "../support/aws.ts";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

let offsetMs = 0;
const ctx = useEmulator({ now: () => new Date(Date.now() + offsetMs) });
beforeEach(async () => {
  offsetMs = 0;
  await cli(["setup"], ctx.env);
  ctx.emu.clearCalls();
});

describe("activation create", () => {
  it("creates an activation for the role NAME with the limit, expiry, name and tags", async () => {
    const run = await cli(
      [
        "activation",
        "create",
        "--output",
        "json",
        "--expires-in",
        "2h",
        "--registration-limit",
        "3",
        "--instance-name",
        "edge",
        "--tag",
        "Site=lab",
      ],
      ctx.env,
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ registrationLimit: 3, region: "eu-west-1" });
    expect(out.activationCode.length).toBeGreaterThanOrEqual(20);
    const stored = ctx.emu.state.activations[out.activationId];
    expect(stored).toMatchObject({
      iamRole: "ECSAnywhereRole",
      registrationLimit: 3,
      defaultInstanceName: "edge",
    });
    expect(stored?.tags).toMatchObject({ Site: "lab", ManagedBy: "ecs-anywhere-agent" });
    const lifetime = Date.parse(out.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(2 * 3600_000);
    expect(ctx.emu.calls().map((c) => c.action)).toEqual(["CreateActivation"]);
  });

  it("--out writes the activation to a 0600 file and keeps the code off stdout", async () => {
    ctx.emu.setNextActivationCode("PLANTEDcode0123456789abcdef");
    const dir = await mkdtemp(join(tmpdir(), "ecsa-act-"));
    const file = join(dir, "activation.json");
    const run = await cli(["activation", "create", "--out", file], ctx.env);
    expect(run.code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8"));
    expect(saved.activationCode).toBe("PLANTEDcode0123456789abcdef");
    expect(run.stdout).toContain(saved.activationId);
    expect(run.stdout + run.stderr).not.toContain("PLANTEDcode0123456789abcdef");
  });

  it("--dry-run calls nothing", async () => {
    const run = await cli(["activation", "create", "--dry-run"], ctx.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("create an activation for role ECSAnywhereRole");
    expect(ctx.emu.calls()).toEqual([]);
  });

  it("--dry-run prints a plan in the shared vocabulary: region first, durations as 1h, the dry-run line last", async () => {
    const run = await cli(["activation", "create", "--dry-run"], ctx.env);
    expect(run.stdout).toBe(
      [
        "Plan for region eu-west-1:",
        "  + create an activation for role ECSAnywhereRole in eu-west-1: 1 registration(s), expires in 1h",
        "dry run: nothing was changed",
        "",
      ].join("\n"),
    );
    const longer = await cli(["activation", "create", "--dry-run", "--expires-in", "90m"], ctx.env);
    expect(longer.stdout).toContain("expires in 1h30m");
  });
});

describe("activation sweep", () => {
  it("pages through every activation and deletes only the agent's expired or used ones", async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await cli(
        ["activation", "create", "--output", "json", "--expires-in", i < 2 ? "1h" : "5d"],
        ctx.env,
      );
      created.push(JSON.parse(run.stdout).activationId);
    }
    const used = JSON.parse(
      (await cli(["activation", "create", "--output", "json", "--expires-in", "5d"], ctx.env)).stdout,
    );
    ctx.emu.registerManagedInstance({
      activationId: used.activationId,
      activationCode: used.activationCode,
      region: "eu-west-1",
    });
    const { ssm } = testClients(ctx.emu.url);
    const foreign = await ssm.send(
      new CreateActivationCommand({
        IamRole: "ECSAnywhereRole",
        ExpirationDate: new Date(Date.now() + 3600_000),
      }),
    );
    offsetMs = 2 * 3600_000; // the two 1h activations and the foreign one expire

    ctx.emu.clearCalls();
    const dry = await cli(["activation", "sweep", "--dry-run", "--output", "json"], ctx.env);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
    expect(ctx.emu.calls().filter((c) => c.action === "DescribeActivations").length).toBeGreaterThan(1);
    const planned = JSON.parse(dry.stdout)
      .changes.map((c: { id: string }) => c.id)
      .sort();
    const expected = [created[0], created[1], used.activationId].map((id) => `activation/${id}`).sort();
    expect(planned).toEqual(expected);

    const run = await cli(["activation", "sweep"], ctx.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("all 1 registration(s) are used");
    const left = Object.keys(ctx.emu.state.activations).sort();
    expect(left).toEqual([created[2], created[3], created[4], foreign.ActivationId].sort());
    ctx.emu.clearCalls();
    await cli(["activation", "sweep"], ctx.env);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
  });
});
