import { chmod } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliResult } from "../../support/cli.ts";
import { CLUSTER, expectJsonSuccess, phaseOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const iamCalls = () => world.emu.calls().filter((call) => call.service === "iam");

/** The mi- node the emulator registered, and the activation it used. */
function registeredNode(): { instanceId: string; activationId: string } {
  const nodes = Object.values(world.emu.state.managedInstances);
  expect(nodes).toHaveLength(1);
  return nodes[0] as { instanceId: string; activationId: string };
}

/** A clean `--output json` run that registered this host in the edge cluster; returns its report. */
function expectRegisteredInEdge(run: CliResult): ReturnType<typeof JSON.parse> {
  const report = expectJsonSuccess(run);
  expect(report.outcome).toBe("registered");
  expect(report.containerInstanceArn).toMatch(
    /^arn:aws:ecs:eu-west-1:123456789012:container-instance\/edge\/[0-9a-f]{32}$/,
  );
  expect(report.managedInstanceId).toBe(registeredNode().instanceId);
  expect(world.emu.state.containerInstances[report.containerInstanceArn]?.status).toBe("ACTIVE");
  expect(world.scriptRuns()).toBe(1);
  return report;
}

describe("register with a just-in-time activation", () => {
  it("converges the cloud side, runs the verified script once and proves the registration", async () => {
    const run = await world.register(["--output", "json"]);
    expectRegisteredInEdge(run);
    expect(iamCalls().some((call) => call.action === "CreateRole")).toBe(true);
    // The single-use activation the agent created is gone once registration is verified.
    expect(world.emu.calls().filter((call) => call.action === "CreateActivation")).toHaveLength(1);
    expect(world.emu.calls().filter((call) => call.action === "DeleteActivation")).toHaveLength(1);
    expect(Object.keys(world.emu.state.activations)).toEqual([]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(
      "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true\n",
    );
  });
});

describe("register with a supplied activation", () => {
  it("uses --activation-id with --activation-code-file, makes no IAM call and keeps the activation", async () => {
    const activation = await world.supplyActivation();
    const codeFile = await world.operatorFile("code", `${activation.code}\n`);
    const run = await world.register([
      "--output",
      "json",
      "--activation-id",
      activation.id,
      "--activation-code-file",
      codeFile,
    ]);
    expectRegisteredInEdge(run);
    expect(registeredNode().activationId).toBe(activation.id);
    expect(iamCalls()).toEqual([]);
    expect(world.emu.calls().map((call) => call.action)).not.toContain("CreateActivation");
    expect(world.emu.state.activations[activation.id]?.registrationsCount).toBe(1);
  });

  it("accepts a code file every user can read, with a warning naming it and the fix", async () => {
    const activation = await world.supplyActivation();
    const codeFile = await world.operatorFile("code", `${activation.code}\n`);
    await chmod(codeFile, 0o644);
    const run = await world.register([
      "--output",
      "json",
      "--activation-id",
      activation.id,
      "--activation-code-file",
      codeFile,
    ]);
    expect(run.code).toBe(0);
    const warning = `--activation-code-file: ${codeFile} holds an activation code and every user can read it (mode 0644); fix: chmod 600 ${codeFile}`;
    expect(run.stderr).toContain(`WARNING: ${warning}\n`);
    expect(JSON.parse(run.stdout).warnings).toContain(warning);
    expect(registeredNode().activationId).toBe(activation.id);
  });

  it("takes the code from ECS_ANYWHERE_ACTIVATION_CODE with --activation-id", async () => {
    const activation = await world.supplyActivation();
    const run = await world.register(["--output", "json", "--activation-id", activation.id], {
      ECS_ANYWHERE_ACTIVATION_CODE: activation.code,
    });
    expectRegisteredInEdge(run);
    expect(registeredNode().activationId).toBe(activation.id);
    expect(iamCalls()).toEqual([]);
    expect(world.emu.state.activations[activation.id]).toBeDefined();
  });

  it("reads --activation-file written by activation create --out and keeps the activation", async () => {
    const activation = await world.supplyActivation();
    const run = await world.register(["--output", "json", "--activation-file", activation.file]);
    const report = expectRegisteredInEdge(run);
    expect(registeredNode().activationId).toBe(activation.id);
    expect(iamCalls()).toEqual([]);
    expect(world.emu.calls().map((call) => call.action)).not.toContain("DeleteActivation");
    const cleanup = phaseOf(report, "activation-cleanup");
    expect(cleanup.summary).toMatch(/kept.*--delete-activation/);
  });

  it("deletes the supplied activation after verification when asked with --delete-activation", async () => {
    const activation = await world.supplyActivation();
    const run = await world.register([
      "--output",
      "json",
      "--activation-file",
      activation.file,
      "--delete-activation",
    ]);
    expectRegisteredInEdge(run);
    expect(iamCalls()).toEqual([]);
    expect(world.emu.state.activations[activation.id]).toBeUndefined();
    // The registered node stays when its activation is deleted.
    expect(registeredNode().activationId).toBe(activation.id);
    expect(world.host.introspection()?.Cluster).toContain(CLUSTER);
  });
});
