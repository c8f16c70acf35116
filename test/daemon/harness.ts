import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app/app.ts";
import { buildHost } from "../../src/app/host-build.ts";
import { runCli } from "../../src/cli/main.ts";
import { desiredKeys } from "../../src/components/ecs-agent/config-files.ts";
import { daemonRegion, probeContexts } from "../../src/daemon/context.ts";
import { ProbeLoop } from "../../src/daemon/loop.ts";
import { DaemonMetrics } from "../../src/daemon/metrics.ts";
import type { Probe } from "../../src/daemon/probes/probe.ts";
import { PROBES } from "../../src/daemon/probes.ts";
import { RepairPolicy } from "../../src/daemon/repair.ts";
import type { Clock } from "../../src/util/clock.ts";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { createFakeHost, type FakeHost } from "../fixtures/host.ts";
import { emulatorEnv } from "../support/cli.ts";
import { fakeClock, manualClock } from "../support/clock.ts";

export const CLUSTER = "edge";
export const REGION = "eu-west-1";
export const ARN =
  "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
export const MI = "mi-0123456789abcdef0";
export const AGENT_VERSION = "Amazon ECS Agent - v1.89.0 (fake0001)";

export interface DaemonWorld {
  emu: Emulator;
  host: FakeHost;
  env: Record<string, string>;
  /** Every log line the daemon wrote (JSON). */
  logs: string[];
  stop(): Promise<void>;
}

/** The flags that point a command at the world's fake host and its ECS agent. */
export function hostArgs(world: DaemonWorld): string[] {
  return ["--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl];
}

export async function startDaemonWorld(extraEnv: Record<string, string> = {}): Promise<DaemonWorld> {
  const emu = await startEmulator({ clusters: [{ name: CLUSTER, region: REGION }] });
  const host = await createFakeHost({ emulatorUrl: emu.url });
  const env = { ...process.env, ...host.env, ...emulatorEnv(emu.url), ...extraEnv } as Record<string, string>;
  return {
    emu,
    host,
    env,
    logs: [],
    stop: async () => {
      await host.cleanup();
      await emu.stop();
    },
  };
}

/** A daemon world whose config file the test rewrites between passes; empty at first. */
export interface ConfigurableWorld extends DaemonWorld {
  configure(text: string): void;
}

export async function startConfigurableWorld(): Promise<ConfigurableWorld> {
  const dir = mkdtempSync(join(tmpdir(), "daemon-config-"));
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, "");
  const world = await startDaemonWorld({ ECS_ANYWHERE_CONFIG: configFile });
  return {
    ...world,
    configure: (text) => writeFileSync(configFile, text),
    stop: async () => {
      await world.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A host as `register` leaves it: agent answering, units active, SSM registered, fresh credentials. `ids` are the
 * container instance and managed instance it holds (ones an emulator knows, say).
 */
export function makeRegistered(
  host: FakeHost,
  now: Date,
  config = { cluster: CLUSTER, region: REGION },
  ids = { arn: ARN, mi: MI },
): void {
  host.setIntrospection({ Cluster: config.cluster, ContainerInstanceArn: ids.arn, Version: AGENT_VERSION });
  for (const unit of ["ecs", "amazon-ssm-agent", "docker"]) {
    host.installUnit(unit);
    writeFileSync(host.path(`/.fake/units/${unit}.active`), "");
    writeFileSync(host.path(`/.fake/units/${unit}.enabled`), "");
  }
  host.writeFile(
    "/var/lib/amazon/ssm/Vault/Store/RegistrationKey",
    JSON.stringify({
      instanceID: ids.mi,
      region: config.region,
      privateKey: "PRIVATE-KEY-SECRET",
      privateKeyType: "Rsa",
    }),
    0o600,
  );
  host.writeFile(
    "/var/lib/amazon/ssm/registration",
    JSON.stringify({ ManagedInstanceID: ids.mi, Region: config.region }),
  );
  setCredentials(host, new Date(now.getTime() + 3_600_000), now);
  host.writeFile("/usr/libexec/amazon-ecs-init", "");
  host.writeFile("/usr/bin/docker", "");
  mkdirSync(host.path("/var/lib/docker"), { recursive: true });
  // The ARN is saved, so a restart of ecs comes back with it without asking the emulator (fixtures README).
  host.writeFile(
    "/var/lib/ecs/data/agent.db",
    JSON.stringify({ cluster: config.cluster, containerInstanceArn: ids.arn }),
    0o600,
  );
  host.writeFile("/etc/ecs/ecs.config", ecsConfigText(config.cluster), 0o600);
}

export function ecsConfigText(cluster = CLUSTER): string {
  const keys = desiredKeys({ ...baseConfig(), cluster }, REGION);
  return `${Object.entries(keys)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")}\n`;
}

export function setCredentials(host: FakeHost, expires: Date, retrieved: Date): void {
  host.writeFile(
    "/var/lib/amazon/ssm/runtimeconfig/identity_config.json",
    JSON.stringify({
      InstanceId: MI,
      CredentialsRetrievedAt: retrieved.toISOString(),
      CredentialsExpiresAt: expires.toISOString(),
    }),
  );
  host.writeFile(
    "/root/.aws/credentials",
    "[default]\naws_access_key_id = AKIAINSTANCEROLE0001\naws_secret_access_key = INSTANCE-SECRET-KEY\naws_session_token = INSTANCE-SESSION-TOKEN\n",
    0o600,
  );
}

export function stopUnit(host: FakeHost, unit: string): void {
  rmSync(host.path(`/.fake/units/${unit}.active`), { force: true });
  if (unit === "ecs") host.setIntrospection(undefined);
}

function baseConfig() {
  // The schema's defaults, as a config file with only cluster and region would give.
  return configFromSchema({});
}

import { configSchema } from "../../src/config/schema.ts";

export function configFromSchema(input: Record<string, unknown>) {
  return configSchema.parse(input);
}

export interface LoopUnderTest {
  loop: ProbeLoop;
  clock: Clock & { advance(ms: number): void };
  metrics: DaemonMetrics;
  policy: RepairPolicy;
  logs: string[];
  /** The probe context builder, as the daemon makes it. */
  sleeps: number[];
}

/** A probe loop over the fake host, as the daemon builds it, on a fake clock. */
export async function loopFor(
  world: DaemonWorld,
  options: {
    health?: Record<string, unknown>;
    probes?: readonly Probe[];
    clock?: Clock & { advance(ms: number): void };
    jitter?: () => number;
    cluster?: string;
  } = {},
): Promise<LoopUnderTest> {
  const clock = options.clock ?? fakeClock(new Date());
  const sleeps: number[] = [];
  const recording: Clock & { advance(ms: number): void } = {
    ...clock,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await clock.sleep(ms, signal);
    },
  };
  const logs: string[] = [];
  const app = createApp(
    {
      env: world.env,
      clock: recording,
      stdout: () => {},
      stderr: (line) => {
        logs.push(line);
        world.logs.push(line);
      },
      host: { system: { uid: () => 0 } },
    },
    { output: "json", logLevel: "info", region: REGION, cluster: options.cluster ?? CLUSTER },
  );
  const config = app.config();
  const withHealth = { ...config, health: { ...config.health, ...parseHealth(options.health ?? {}) } };
  const built = await buildHost(
    app,
    { root: world.host.root, ecsAgentUrl: world.host.introspectionUrl },
    REGION,
  );
  const region = await daemonRegion(app, built);
  const metrics = new DaemonMetrics({
    version: "0.0.0-test",
    controlPlane: withHealth.health.controlPlane,
    clock: recording,
  });
  const policy = new RepairPolicy({ perHour: withHealth.health.maxRepairsPerHour });
  const loop = new ProbeLoop(
    { config: withHealth, context: probeContexts(app, built, withHealth, region) },
    {
      probes: options.probes ?? PROBES,
      clock: recording,
      log: app.log,
      metrics,
      policy,
      version: "0.0.0-test",
      ...(options.jitter ? { jitter: options.jitter } : {}),
    },
  );
  return { loop, clock: recording, metrics, policy, logs, sleeps };
}

function parseHealth(health: Record<string, unknown>) {
  return configSchema.parse({ health }).health;
}

export const hostPath = (host: FakeHost, path: string) => join(host.root, path);

export interface RunningDaemon {
  url: string;
  configFile: string;
  clock: ReturnType<typeof manualClock>;
  logs: () => Record<string, unknown>[];
  reload: () => void;
  stop: (reason?: string) => void;
  exit: Promise<number>;
  /** Moves the clock past the wait and returns once the next pass is in the report. */
  nextPass: () => Promise<void>;
}

/**
 * The daemon command in-process (a manual clock, SIGHUP and SIGTERM by hand), with `configText` as its config.
 * `tuneDaemon` stands in for bin.ts's V8 settings (left out, the test process keeps its own).
 */
export async function startDaemon(
  world: DaemonWorld,
  configText: string,
  env: Record<string, string> = {},
  args: string[] = [],
  tuneDaemon?: () => void,
): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "daemon-config-"));
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, configText);
  const clock = manualClock(new Date());
  const controller = new AbortController();
  const lines: string[] = [];
  let reloadListener: (() => void) | undefined;
  const exit = runCli(["daemon", ...hostArgs(world), "--listen", "127.0.0.1:0", ...args], {
    env: { ...world.env, ECS_ANYWHERE_CONFIG: configFile, ECS_ANYWHERE_LOG_LEVEL: "info", ...env },
    clock,
    signal: controller.signal,
    onReload: (listener) => {
      reloadListener = listener;
      return () => {
        reloadListener = undefined;
      };
    },
    stdout: () => {},
    stderr: (text) => {
      if (process.env.DEBUG_DAEMON) process.stderr.write(`DAEMON ${text}`);
      lines.push(...text.split("\n").filter((line) => line !== ""));
    },
    host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
    ...(tuneDaemon === undefined ? {} : { tuneDaemon }),
  });
  // JSON log lines; a warning from a register run on start (--register-on-start) is plain text.
  const logs = () =>
    lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
  for (let i = 0; i < 1500 && !logs().some((entry) => entry.msg === "serving"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const serving = logs().find((entry) => entry.msg === "serving");
  if (serving === undefined) throw new Error(`the daemon did not start serving:\n${lines.join("\n")}`);
  const url = `http://${String(serving.listen)}`;
  const passes = async () => ((await (await fetch(`${url}/status`)).json()) as { passes: number }).passes;
  return {
    url,
    configFile,
    clock,
    logs,
    reload: () => reloadListener?.(),
    stop: (reason = "SIGTERM") => controller.abort(reason),
    exit,
    nextPass: async () => {
      const before = await passes();
      for (let i = 0; i < 500 && clock.sleepers() === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(20_000); // past the jittered 15 s wait
      for (let i = 0; i < 1000 && (await passes()) === before; i++)
        await new Promise((r) => setTimeout(r, 5));
    },
  };
}
