import { expect } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import type { AwsPorts } from "../../../src/adapters/aws/ports.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { type CliResult, cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import type { World } from "../register/harness.ts";

/** A step of the deregister report, as JSON. */
export interface ActionJson {
  id: string;
  status: string;
  summary: string;
  remediation?: string;
}

export interface DeregisterJson {
  steps: ActionJson[];
  ok: boolean;
}

export const ALWAYS = [
  "deregister-container-instance",
  "deregister-managed-instance",
  "stop-ecs",
  "remove-agent-state",
  "clear-ssm-registration",
] as const;

/** `deregister ARGS --output json` against the world's fake host; the parsed report and the raw run. */
export async function deregisterJson(
  world: World,
  args: string[] = [],
  extraEnv: Record<string, string | undefined> = {},
): Promise<{ run: CliResult; report: DeregisterJson }> {
  const run = await world.agent(["deregister", "--output", "json", ...args], extraEnv);
  expect(run.stdout, run.stderr).toMatch(/^\{/);
  return { run, report: JSON.parse(run.stdout) as DeregisterJson };
}

/** `{name: status}` of every action, in order. */
export function statuses(report: DeregisterJson): [string, string][] {
  return report.steps.map((step) => [step.id, step.status]);
}

export function action(report: DeregisterJson, name: string): ActionJson {
  const found = report.steps.find((item) => item.id === name);
  if (!found) throw new Error(`no action ${name} in ${JSON.stringify(report)}`);
  return found;
}

/** Registers the fake host for real and returns what it became. */
export async function registered(world: World): Promise<{ arn: string; mi: string }> {
  const run = await world.register();
  expect(run.code, run.stderr).toBe(0);
  const arn = world.host.introspection()?.ContainerInstanceArn;
  const mi = JSON.parse(world.host.readFile("/var/lib/amazon/ssm/registration")).ManagedInstanceID as string;
  if (typeof arn !== "string") throw new Error("the fake agent did not register");
  return { arn, mi };
}

/**
 * Runs the CLI against the world's fake host like `world.agent`, with the AWS ports bent by `bend` (the
 * emulator answers, the test rewrites): for what the emulator cannot play, such as tasks that never stop.
 */
export function agentWithAws(world: World, bend: (ports: AwsPorts) => AwsPorts) {
  return (args: string[]) =>
    cli([...args, "--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl], world.env, {
      clock: fakeClock(new Date()),
      host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
      createAws: async (_config, region) =>
        bend(await createAwsPorts({ region, env: world.env, redactor: new Redactor() })),
    });
}
