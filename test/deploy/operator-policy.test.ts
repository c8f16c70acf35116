// deploy/iam/operator-policy.json is what the identity running setup, activation create/sweep, register (with a
// just-in-time activation) and deregister needs; operator-policy-read-only.json is enough for --dry-run. The action
// lists are derived from the AWS adapters (every SDK command they send), so a new call without a policy line fails
// here, and so does a policy line nobody calls.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { IdentityPolicy } from "../emulator/index.ts";
import { adapterOperations } from "../support/aws-operations.ts";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const exec = promisify(execFile);
/** Actions AWS checks for a call the agent makes, beyond the call's own action (field notes §5.10). */
const CHECKED_ON_BEHALF: Record<string, string> = {
  "iam:PassRole": "ssm:CreateActivation hands the instance role to SSM",
  "ecs:TagResource": "ecs:CreateCluster with tags (the ManagedBy tag) also authorizes tagging",
  "iam:CreateServiceLinkedRole":
    "the first ecs:CreateCluster in an account creates AWSServiceRoleForECS as the caller",
};

function readPolicy(file: string): IdentityPolicy {
  return JSON.parse(readFileSync(join("deploy/iam", file), "utf8")) as IdentityPolicy;
}

function grantedActions(policy: IdentityPolicy): string[] {
  const actions = policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  for (const statement of policy.Statement) expect(statement.Effect).toBe("Allow");
  return [...new Set(actions)].sort();
}

/** Every `service:Action` the AWS adapters can send (test/support/aws-operations.ts). */
function adapterActions(): { all: string[]; reads: string[] } {
  const { all, reads, unmapped } = adapterOperations();
  expect(unmapped, "these adapters send AWS calls: map them to their service in aws-operations.ts").toEqual(
    [],
  );
  return { all, reads };
}

describe("the operator policies", () => {
  const { all, reads } = adapterActions();

  it("find the calls the adapters send (the derivation sees a known set)", () => {
    expect(all).toContain("ssm:CreateActivation");
    expect(all).toContain("iam:ListAttachedRolePolicies");
    expect(reads).toContain("sts:GetCallerIdentity");
    expect(reads).not.toContain("iam:CreateRole");
  });

  it("operator-policy.json grants exactly what the agent calls and what AWS checks on its behalf", () => {
    expect(grantedActions(readPolicy("operator-policy.json"))).toEqual(
      [...all, ...Object.keys(CHECKED_ON_BEHALF)].sort(),
    );
  });

  it("operator-policy-read-only.json grants exactly the read calls", () => {
    expect(grantedActions(readPolicy("operator-policy-read-only.json"))).toEqual(reads);
  });
});

describe("the emulator enforcing them", () => {
  const ctx = useEmulator();

  it("plans setup under the read-only policy, and a real setup is denied its first write", async () => {
    ctx.emu.setIdentityPolicy(readPolicy("operator-policy-read-only.json"));
    const plan = await cli(["setup", "--cluster", "edge", "--dry-run"], ctx.env);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    const apply = await cli(["setup", "--cluster", "edge"], ctx.env);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/iam:CreateRole/);
  });

  it("denies what the operator policy leaves out: without iam:PassRole no activation is created", async () => {
    const policy = readPolicy("operator-policy.json");
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
    ctx.emu.setIdentityPolicy({
      ...policy,
      Statement: policy.Statement.filter((statement) => statement.Action !== "iam:PassRole"),
    });
    const run = await cli(["activation", "create", "--output", "json"], ctx.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/iam:PassRole/);
    expect(Object.keys(ctx.emu.state.activations)).toEqual([]);
  });
});

describe("the demo flow under the operator policy", () => {
  it("setup, activation create, check, register, re-run and deregister all succeed with nothing denied", async () => {
    const { stdout } = await exec(
      process.execPath,
      ["--import", "tsx", "scripts/demo.ts", "--operator-policy"],
      {
        env: { PATH: process.env.PATH },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    expect(stdout).toContain("holds only deploy/iam/operator-policy.json");
    const exits = [...stdout.matchAll(/-> exit (\d+);/g)].map((match) => Number(match[1]));
    expect(exits.length).toBeGreaterThanOrEqual(10);
    expect(exits.every((code) => code === 0)).toBe(true);
    expect(stdout).not.toMatch(/not authorized|AccessDenied/);
    expect(stdout).toMatch(/ssm:CreateActivation/);
    expect(stdout).toMatch(/ecs:DeregisterContainerInstance/);
  }, 120_000);
});
