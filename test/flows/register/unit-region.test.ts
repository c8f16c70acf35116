import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, REGION, startWorld, type World } from "./harness.ts";

/**
 * the shipped register unit (systemd/ecs-anywhere-register.service) passes no region: it works
 * with the region from the config file, or from the activation file it names.
 */

const UNIT_ACTIVATION = "/etc/ecs-anywhere-agent/activation.json";

/** The unit's ExecStart arguments after the binary (the unit quotes nothing: plain whitespace splitting). */
function unitArguments(): string[] {
  const text = readFileSync("systemd/ecs-anywhere-register.service", "utf8");
  const line = text.split("\n").find((l) => l.startsWith("ExecStart="));
  if (line === undefined) throw new Error("the unit has no ExecStart");
  const [binary, ...args] = line.slice("ExecStart=".length).trim().split(/\s+/);
  expect(binary).toBe("/usr/local/bin/ecs-anywhere-agent");
  return args;
}

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("the register unit's command line, with no region in flags or the environment", () => {
  async function runUnit(extraEnv: Record<string, string | undefined>) {
    const activation = await world.supplyActivation();
    const args = unitArguments().map((arg) => (arg === UNIT_ACTIVATION ? activation.file : arg));
    expect(args).toContain(activation.file);
    // The test's own stand-ins for the host: the served install script, its key, the operator's cluster.
    const harness = world.registerArgs().slice(1);
    return world.agent([...args, ...harness], {
      ECS_ANYWHERE_REGION: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: join(world.scratch, "no-aws-config"),
      ...extraEnv,
    });
  }

  it("takes the region from the config file", async () => {
    const config = await world.operatorFile("config.yaml", `region: ${REGION}\ncluster: ${CLUSTER}\n`);
    const run = await runUnit({ ECS_ANYWHERE_CONFIG: config });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
  });

  it("takes the region the activation file records when no config names one", async () => {
    const run = await runUnit({});
    expect(run.code, run.stderr).toBe(0);
    expect(world.scriptRuns()).toBe(1);
    expect(world.host.introspection()?.ContainerInstanceArn).toContain(`:${REGION}:`);
  });
});
