import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REGISTER_PHASES } from "../../../src/flows/register/register.ts";
import type { CliResult } from "../../support/cli.ts";
import { type PhaseJson, phaseOf, startWorld, type World } from "./harness.ts";
import { snapshotTree } from "./inspect.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

/** Runs `register --dry-run ...args` and proves it changed nothing: host files, cloud, script. */
async function dryRun(args: string[]): Promise<CliResult> {
  const before = snapshotTree(world.host.root);
  const run = await world.register(["--dry-run", ...args]);
  expect(run.code).toBe(0);
  expect(snapshotTree(world.host.root)).toEqual(before);
  expect(world.emu.mutatingCalls()).toEqual([]);
  expect(world.scriptRuns()).toBe(0);
  expect(world.host.systemctlCalls()).toEqual([]);
  return run;
}

describe("register --dry-run on a fresh host", () => {
  it("prints the whole plan as JSON and changes nothing", async () => {
    const run = await dryRun(["--output", "json"]);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ dryRun: true, outcome: "planned", cluster: "edge", region: "eu-west-1" });
    expect(report.steps.map((p: PhaseJson) => p.id)).toEqual([...REGISTER_PHASES]);
    // Cloud changes of a just-in-time activation: the missing instance role is to be created; the cluster exists
    // (register never creates one).
    const created = report.changes.filter((c: { action: string }) => c.action === "create");
    expect(created.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^instance-role/)]),
    );
    expect(created.map((c: { id: string }) => c.id)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^cluster/)]),
    );
    expect(phaseOf(report, "activation").status).toBe("planned");
    // The ecs.config diff.
    expect(phaseOf(report, "ecs-config").details).toEqual(
      expect.arrayContaining(["+ ECS_CLUSTER=edge", "+ AWS_DEFAULT_REGION=eu-west-1"]),
    );
    // The script, its flags, the activation code masked.
    expect(phaseOf(report, "install-script").summary).toContain(world.server.url);
    expect(phaseOf(report, "run-script").summary).toMatch(
      /^run bash \S+ecs-anywhere-install\.sh --region eu-west-1 --cluster edge --activation-id \S+ --activation-code \*\*\*\*$/,
    );
    // The services: what the script enables and starts, then ecs restarted after the config is normalised.
    expect(phaseOf(report, "run-script").details).toContain(
      "services: the script enables and starts amazon-ssm-agent, docker (when it installs Docker) and ecs",
    );
    expect(phaseOf(report, "normalize-config").summary).toMatch(/restart ecs/);
  });

  it("prints the whole plan as text, cloud changes included", async () => {
    const run = await dryRun([]);
    const text = run.stdout;
    expect(text).toMatch(/^Plan for region eu-west-1: register this host in cluster edge\.\n/);
    expect(text).toMatch(/\ndry run: nothing was changed\n$/);
    for (const name of REGISTER_PHASES) expect(text).toMatch(new RegExp(`^  [A-Z]+ ${name}: `, "m"));
    expect(text).toMatch(/ECSAnywhereRole/);
    expect(text).toMatch(/^ +\+ ECS_CLUSTER=edge$/m);
    expect(text).toMatch(/--activation-code \*\*\*\*/);
    expect(text).toMatch(/^ +services: the script enables and starts amazon-ssm-agent.* and ecs$/m);
  });
});

describe("register --dry-run with a supplied activation", () => {
  it("shows the activation id and masks its code, in JSON and in text", async () => {
    const activation = await world.supplyActivation();
    for (const output of ["json", "text"]) {
      const run = await dryRun(["--output", output, "--activation-file", activation.file]);
      expect(run.stdout).toContain(`--activation-id ${activation.id} --activation-code ****`);
      expect(run.stdout).not.toContain(activation.code);
      expect(run.stderr).not.toContain(activation.code);
    }
    expect(world.emu.state.activations[activation.id]?.registrationsCount).toBe(0);
  });
});
