import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import type { AwsPorts } from "../../../src/adapters/aws/ports.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { generateTestKey, type TestKey } from "../../components/install-script/gpg-keys.ts";
import { type PackageServer, startPackageServer } from "../../fixtures/package-server.ts";
import { type CliResult, cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { registered } from "../deregister/helpers.ts";
import { startWorld, type World } from "../register/harness.ts";

export const OLD = "1.89.0-1";
export const NEW = "1.90.0-1";
export const SSM_OLD = "3.3.1000.0";
export const SSM_NEW = "3.3.1100.0";

export interface StepJson {
  id: string;
  status: string;
  summary: string;
  remediation?: string;
  changes?: { id: string; summary: string; details?: string[] }[];
}
export interface UpgradeJson {
  ok: boolean;
  dryRun: boolean;
  before: Record<string, string>;
  steps: StepJson[];
}

export interface UpgradeWorld {
  world: World;
  packages: PackageServer;
  arn: string;
  /** `upgrade ARGS` with the package sources and the test keys, against the fake host. */
  upgrade(args?: string[], env?: Record<string, string>): Promise<CliResult>;
  /** The same, with --output json, parsed. */
  upgradeJson(
    args?: string[],
    env?: Record<string, string>,
  ): Promise<{ run: CliResult; report: UpgradeJson }>;
  /** The same, with the AWS ports bent (what the emulator cannot play). */
  upgradeWithAws(bend: (ports: AwsPorts) => AwsPorts, args: string[]): Promise<CliResult>;
  /** The installed package version, as the fake package database holds it. */
  installed(pkg: "amazon-ecs-init" | "amazon-ssm-agent"): string;
  stop(): Promise<void>;
}

let ssmKey: Promise<TestKey> | undefined;
/** One registered world per test file; each test works on a copy of it (registering takes seconds). */
let base: Promise<{ world: World; arn: string }> | undefined;
afterAll(async () => {
  const done = base;
  base = undefined;
  await (await done)?.world.stop();
});

/**
 * A registered fake host (ecs-init OLD, the SSM agent SSM_OLD) and a package server holding the old and the new
 * version of both (deb and rpm), signed by the world's key (ecs-init) and a throwaway "SSM Agent" key.
 */
export async function startUpgradeWorld(): Promise<UpgradeWorld> {
  base ??= (async () => {
    const first = await startWorld();
    const { arn } = await registered(first);
    first.host.writeFile("/.fake/packages/amazon-ssm-agent.version", `${SSM_OLD}\n`);
    return { world: first, arn };
  })();
  const { world: original, arn } = await base;
  const world = await startWorld({ copyOf: original });
  ssmKey ??= generateTestKey("SSM Agent (test)");
  const ssm = await ssmKey;
  const ssmKeyFile = join(world.scratch, "ssm-agent.asc");
  await writeFile(ssmKeyFile, ssm.publicKey);
  const packages = await startPackageServer({
    keys: { ecs: world.key, ssm },
    packages: (["deb", "rpm"] as const).flatMap((format) => [
      { component: "ecs" as const, version: OLD, format },
      { component: "ecs" as const, version: NEW, latest: true, format },
      { component: "ssm" as const, version: SSM_OLD, format },
      { component: "ssm" as const, version: SSM_NEW, latest: true, format },
    ]),
  });
  const flags = [
    "--ecs-source",
    packages.ecsSource,
    "--ssm-source",
    packages.ssmSource,
    "--gpg-key-file",
    world.keyFile,
    "--insecure-key-fingerprint",
    world.key.fingerprint,
    "--ssm-gpg-key-file",
    ssmKeyFile,
    "--insecure-ssm-key-fingerprint",
    ssm.fingerprint,
  ];
  const upgrade = (args: string[] = [], env: Record<string, string> = {}) =>
    world.agent(["upgrade", ...flags, ...args], env);
  return {
    world,
    packages,
    arn,
    upgrade,
    async upgradeJson(args = [], env = {}) {
      const run = await upgrade([...args, "--output", "json"], env);
      expect(run.stdout, run.stderr).toMatch(/^\{/);
      return { run, report: JSON.parse(run.stdout) as UpgradeJson };
    },
    upgradeWithAws: (bend, args) =>
      cli(
        [
          "upgrade",
          ...flags,
          ...args,
          "--root",
          world.host.root,
          "--ecs-agent-url",
          world.host.introspectionUrl,
        ],
        world.env,
        {
          clock: fakeClock(new Date()),
          host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
          createAws: async (_config, region) =>
            bend(await createAwsPorts({ region, env: world.env, redactor: new Redactor() })),
        },
      ),
    installed: (pkg) => {
      const file = `/.fake/packages/${pkg}.version`;
      return world.host.exists(file) ? world.host.readFile(file).trim() : OLD;
    },
    async stop() {
      await packages.stop();
      await world.stop();
    },
  };
}

export function step(report: UpgradeJson, id: string): StepJson {
  const found = report.steps.find((item) => item.id === id);
  if (!found) throw new Error(`no step ${id} in ${JSON.stringify(report)}`);
  return found;
}

/** The package tool calls of the fake world since `from` lines (`.fake/packages.log`). */
export function packageCalls(world: World): string[] {
  return world.host.exists("/.fake/packages.log")
    ? world.host.readFile("/.fake/packages.log").trim().split("\n")
    : [];
}
