import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();

/** A `setup` that fails on its last call shows what it had already done (issue: say what happened). */
describe("setup failing part-way", () => {
  it("prints the step table, what was applied and how far it got, then the error", async () => {
    ctx.emu.inject({ action: "CreateCluster", kind: "server-error", times: 1 });
    const run = await cli(["setup", "--cluster", "edge", "--max-attempts", "1"], ctx.env);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toContain("CHANGED instance-role: 3 change(s) to role ECSAnywhereRole");
    expect(lines).toContain("    + create role ECSAnywhereRole");
    expect(lines).toContainEqual(expect.stringMatching(/^FAIL cluster: ecs:CreateCluster on cluster\/edge/));
    expect(lines).toContain("failed at cluster; applied before it: instance-role, execution-role");
    expect(lines).toContain("completed 2 of 3 steps; failed: create cluster edge");
    expect(lines.at(-2)).toMatch(/^error: ecs:CreateCluster on cluster\/edge failed after 1 attempt/);
    // The fix is printed once, under the error line.
    expect(lines.at(-1)).toMatch(/^ {2}fix: /);
    expect(lines.filter((line) => line.includes("fix: "))).toHaveLength(1);
  });

  it("in JSON carries the same steps, the steps not run and the error", async () => {
    ctx.emu.inject({ action: "PutRolePolicy", kind: "server-error", times: 1 });
    const config = ["cluster: edge", "instanceRole: { permissions: least-privilege }"].join("\n");
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const file = `${await mkdtemp("/tmp/ecsa-failure-report-")}/config.yaml`;
    await writeFile(file, config);
    const run = await cli(["setup", "--config", file, "--max-attempts", "1", "--output", "json"], ctx.env);
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.ok).toBe(false);
    expect(document.error).toMatchObject({
      kind: "operation",
      message: expect.stringContaining("PutRolePolicy"),
    });
    expect(document.steps.map((step: { id: string; status: string }) => [step.id, step.status])).toEqual([
      ["instance-role", "failed"],
    ]);
    expect(document.steps[0].failedChange).toMatch(/^add inline policy .* on ECSAnywhereRole$/);
    expect(document.notRun).toEqual(["execution-role", "cluster"]);
  });
});
