import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, expectJsonSuccess, phaseOf, REGION, startWorld, type World } from "./harness.ts";

const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

const actions = () => world.emu.calls().map((call) => call.action);

/**
 * The host a crash leaves after SSM registration: the install script registered SSM with an activation (made the
 * operator's way: setup + activation create) and stopped before it finished. Returns the mi- id SSM gave the host.
 */
async function crashAfterSsmRegistration(extraScriptArgs: string[], env: Record<string, string> = {}) {
  const activation = await world.supplyActivation();
  const script = await world.host.runInstallScript(
    [
      "--region",
      REGION,
      "--cluster",
      CLUSTER,
      "--activation-id",
      activation.id,
      "--activation-code",
      activation.code,
      ...extraScriptArgs,
    ],
    { env },
  );
  const nodes = Object.keys(world.emu.state.managedInstances);
  expect(nodes).toHaveLength(1);
  expect(world.host.exists("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).toBe(true);
  expect(world.host.introspection()).toBeUndefined(); // no ECS agent is running
  world.emu.clearCalls();
  return { script, managedInstanceId: nodes[0] as string, activationId: activation.id };
}

function expectConvergedWithoutNewActivation(
  run: { code: number; stdout: string; stderr: string },
  managedInstanceId: string,
  activationsBefore: string[],
): void {
  const report = expectJsonSuccess(run);
  expect(report.outcome).toBe("registered");
  expect(report.managedInstanceId).toBe(managedInstanceId);
  expect(report.createdActivationId).toBeUndefined();
  const activation = phaseOf(report, "activation");
  expect(activation).toMatchObject({ status: "ok" });
  expect(activation.summary).toContain(managedInstanceId);
  // No new activation, no second SSM registration: still the one mi- node, and its activation untouched.
  expect(actions()).not.toContain("CreateActivation");
  expect(Object.keys(world.emu.state.activations)).toEqual(activationsBefore);
  expect(Object.keys(world.emu.state.managedInstances)).toEqual([managedInstanceId]);
  expect(world.host.ssmAgentCalls().filter((call) => call.startsWith("-register"))).toHaveLength(1);
  // The agent registered the host in the cluster.
  const arn = report.containerInstanceArn as string;
  expect(world.emu.state.containerInstances[arn]).toMatchObject({
    status: "ACTIVE",
    ec2InstanceId: managedInstanceId,
  });
  expect(world.host.unitState("ecs")).toMatchObject({ active: true, enabled: true });
}

describe("register on a host where a crash left SSM registered", () => {
  it("without ecs-init installed: runs the script with --skip-registration and creates no activation", async () => {
    // The script stops after SSM registration (it cannot find a CA bundle for ECS Exec), before ecs-init.
    const bundle = readFileSync(world.host.path(CA_BUNDLE));
    rmSync(world.host.path(CA_BUNDLE));
    const { script, managedInstanceId, activationId } = await crashAfterSsmRegistration([]);
    expect(script.code).toBe(1);
    expect(script.stdout).toContain("Could not find certificates");
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(false);
    writeFileSync(world.host.path(CA_BUNDLE), bundle);

    const run = await world.register(["--output", "json"]);
    expectConvergedWithoutNewActivation(run, managedInstanceId, [activationId]);
    expect(world.host.installScriptRuns()).toEqual([
      "--region --cluster --activation-id --activation-code",
      "--region --cluster --skip-registration",
    ]);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);
  });

  it("with ecs-init installed but ecs not running: starts ecs, runs no script and creates no activation", async () => {
    // The script finished its installs (--no-start: ecs enabled, never started) and then the run was lost.
    const { script, managedInstanceId, activationId } = await crashAfterSsmRegistration(["--no-start"]);
    expect(script.code).toBe(0);
    expect(world.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);
    expect(world.host.unitState("ecs")).toMatchObject({ active: false, enabled: true });

    const run = await world.register(["--output", "json"]);
    expectConvergedWithoutNewActivation(run, managedInstanceId, [activationId]);
    expect(world.scriptRuns()).toBe(1); // only the crashed one
    expect(world.host.systemctlCalls()).toContain("start ecs");
  });
});
