// The daemon over a long run: its memory after thousands of probe passes against a bare node process, and its growth
// between two points of the run; then the `status` command's wall time against `node -e 0`.
// `npx tsx bench/daemon.ts` runs only these rows; `npm run bench` includes them.

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { buildBundle } from "../scripts/bundle.mjs";
import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";
import { CLUSTER, makeRegistered, REGION } from "../test/daemon/harness.ts";
import { DEFAULT_CREDENTIALS, type Emulator, startEmulator } from "../test/emulator/index.ts";
import { createFakeHost, type FakeHost } from "../test/fixtures/host.ts";
import { cli, emulatorEnv } from "../test/support/cli.ts";
import { printRows, type Row } from "./results.ts";
import { instanceKey, type MemoryReading, type SoakMessage, type SoakSpec } from "./soak-spec.ts";
import { median } from "./timing.ts";
import { nodeOf, PRODUCTION_NODE, plainEnv, THIS_NODE, UNIT_ENV } from "./unit-env.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CYCLES = Number(process.env.BENCH_DAEMON_PASSES ?? 10_000);
// health.interval's default: the control plane is asked every fourth or fifth pass (at most once a minute).
const INTERVAL_S = 15;
// The SSM agent rotates the credentials at half-life, about every 30 minutes (field notes §4.3).
const ROTATE_EVERY = Math.round(1800 / INTERVAL_S);
const MB = 1024 * 1024;
const SOAK_DEADLINE_MS = 10 * 60_000;

/**
 * The soak's entry bundled as the daemon ships (an entry that loads minified CommonJS chunks with the code cache:
 * scripts/bundle.mjs), so node runs it as it runs the agent.
 */
async function bundleSoak(outdir: string): Promise<string> {
  await buildBundle({
    root: ROOT,
    main: resolve(ROOT, "bench/daemon-soak.ts"),
    entry: "daemon-soak",
    outdir,
  });
  return join(outdir, "daemon-soak.mjs");
}

/**
 * The passes at which a soak reads its memory: a tenth of the run and its end (growth is measured between the
 * first and the last), or BENCH_CHECKPOINTS (comma-separated passes, e.g. to follow a longer run's plateau).
 */
function checkpointsOf(cycles: number, list = process.env.BENCH_CHECKPOINTS): number[] {
  if (list === undefined || list.trim() === "") return [Math.round(cycles / 10), cycles];
  const passes = list.split(",").map((item) => Number(item.trim()));
  if (passes.some((pass) => !Number.isInteger(pass) || pass < 1 || pass > cycles)) {
    throw new Error(`BENCH_CHECKPOINTS: want passes between 1 and ${cycles}, got ${list}`);
  }
  return [...new Set(passes)].sort((a, b) => a - b);
}

/**
 * RSS of a `node` process that does nothing, read as the soak reads its own: after a short wait and two gc(). It
 * runs a file: `node -e` loads node:crypto (OpenSSL, 2 MB) for the globals it sets up, which a bare node does not.
 */
function bareNodeRss(node: string): number {
  const dir = mkdtempSync(join(tmpdir(), "bench-bare-node-"));
  const script = join(dir, "bare.cjs");
  writeFileSync(
    script,
    "setTimeout(() => { gc(); gc(); process.stdout.write(String(process.memoryUsage().rss)); }, 100);\n",
  );
  try {
    const samples = Array.from({ length: 5 }, () => {
      const run = spawnSync(node, ["--expose-gc", script], {
        encoding: "utf8",
        env: { ...plainEnv(), ...UNIT_ENV },
      });
      if (run.status !== 0) throw new Error(`bare node exited ${run.status}: ${run.stderr}`);
      return Number(run.stdout);
    });
    return median(samples);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface World {
  emu: Emulator;
  /** One fake host per soak, registered alike: a daemon's files and rotations are its own. */
  hosts: { plain: FakeHost; controlPlane: FakeHost };
  managedInstanceId: string;
  /** A child's environment: the host's, the emulator's endpoint, no AWS credentials of the operator. */
  env(host: FakeHost, controlPlane: boolean): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Registered hosts: the cluster and role `setup` makes, an activation, the managed instance and container instance
 * the SSM and ECS agents would register in the emulator, and fake hosts holding them, with instance-role
 * credentials the emulator knows (every key the soaks rotate through).
 */
async function startWorld(rotations: number): Promise<World> {
  const keys = Array.from({ length: rotations + 1 }, (_, n) => instanceKey(n));
  const emu = await startEmulator({
    clusters: [{ name: CLUSTER, region: REGION }],
    credentials: {
      ...DEFAULT_CREDENTIALS,
      ...Object.fromEntries(keys.map((key) => [key.accessKeyId, key.secret])),
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "bench-daemon-"));
  const made: FakeHost[] = [];
  const stop = async () => {
    for (const host of made) await host.cleanup();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = emulatorEnv(emu.url);
    const activationFile = join(dir, "activation.json");
    for (const argv of [
      ["setup", "--cluster", CLUSTER],
      ["activation", "create", "--out", activationFile],
    ]) {
      const run = await cli(argv, admin);
      if (run.code !== 0) throw new Error(`${argv.join(" ")} exited ${run.code}: ${run.stderr}`);
    }
    const activation = JSON.parse(readFileSync(activationFile, "utf8")) as {
      activationId: string;
      activationCode: string;
    };
    const { managedInstanceId } = emu.registerManagedInstance({ ...activation, region: REGION });
    const { containerInstanceArn } = emu.registerContainerInstance({ cluster: CLUSTER, managedInstanceId });
    const key = instanceKey(0);
    for (let i = 0; i < 2; i++) {
      const host = await createFakeHost({ emulatorUrl: emu.url });
      made.push(host);
      makeRegistered(
        host,
        new Date(),
        { cluster: CLUSTER, region: REGION },
        { arn: containerInstanceArn, mi: managedInstanceId },
      );
      host.writeFile(
        "/root/.aws/credentials",
        `[default]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secret}\naws_session_token = ${key.token}\n`,
        0o600,
      );
    }
    for (const controlPlane of [false, true]) {
      writeFileSync(
        join(dir, `config-${controlPlane}.yaml`),
        `cluster: ${CLUSTER}\nregion: ${REGION}\nhealth:\n  controlPlane: ${controlPlane}\n`,
      );
    }
    const [plain, controlPlane] = made as [FakeHost, FakeHost];
    return {
      emu,
      hosts: { plain, controlPlane },
      managedInstanceId,
      env: (host, withPlane) => ({
        ...host.env,
        HOME: dir,
        AWS_ENDPOINT_URL: emu.url,
        ECS_ANYWHERE_CONFIG: join(dir, `config-${withPlane}.yaml`),
        ECS_ANYWHERE_LOG_LEVEL: "info",
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type Checkpoint = Extract<SoakMessage, { event: "checkpoint" }>;
export type Done = Extract<SoakMessage, { event: "done" }>;

interface Soak {
  listen: string;
  checkpoints: Checkpoint[];
  /** Resolves when the child reports its end (after `stop()` for an idle soak). */
  done: Promise<Done>;
  /** Resolves once the last checkpoint is in. */
  measured: Promise<void>;
  /** Ends an idle soak: the daemon stops as on SIGTERM. */
  stop(): void;
  /** Kills the child if it still runs (after a failure). */
  kill(): void;
  /** Requests answered 200, and the others (errors included). */
  scrapes(): { ok: number; failed: number };
}

/**
 * The daemon in a child process for `CYCLES` passes, while this process scrapes its /metrics and /status the whole
 * time (one request at a time, keep-alive, a pause of 100 ms between), as Prometheus and `status` would; not while
 * the child measures, when the real daemon would see a request every few seconds at most.
 */
async function startSoak(
  bundle: string,
  world: World,
  controlPlane: boolean,
  idle: boolean,
  cycles = CYCLES,
  node = process.execPath,
): Promise<Soak> {
  const checkpoints = checkpointsOf(cycles);
  const host = controlPlane ? world.hosts.controlPlane : world.hosts.plain;
  const spec: SoakSpec = {
    root: host.root,
    ecsAgentUrl: host.introspectionUrl,
    managedInstanceId: world.managedInstanceId,
    cycles,
    checkpoints,
    rotateEvery: ROTATE_EVERY,
    idle,
  };
  const child: ChildProcessWithoutNullStreams = spawn(node, ["--expose-gc", bundle], {
    env: { ...world.env(host, controlPlane), BENCH_SOAK_SPEC: JSON.stringify(spec), ...UNIT_ENV },
    stdio: "pipe",
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString("utf8")}`.slice(-4000);
  });
  const seen: Checkpoint[] = [];
  let paused = false;
  let ended: Done | undefined;
  const failure = new Promise<never>((_, reject) => {
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the daemon soak did not end within ${SOAK_DEADLINE_MS / 60_000} min`));
    }, SOAK_DEADLINE_MS);
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      const last =
        ended === undefined
          ? ""
          : ` after ${ended.cycles} passes, exit ${ended.exitCode}, log: ${ended.lastLogs.join(" | ")}`;
      reject(new Error(`the daemon soak ended (${code ?? signal}) early${last}: ${stderr.trim()}`));
    });
  });
  failure.catch(() => {});
  let onServing: (listen: string) => void = () => {};
  const serving = new Promise<string>((resolve) => {
    onServing = resolve;
  });
  let onMeasured = () => {};
  const measured = new Promise<void>((resolve) => {
    onMeasured = resolve;
  });
  let onDone: (done: Done) => void = () => {};
  const done = new Promise<Done>((resolve) => {
    onDone = resolve;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as SoakMessage;
    if (message.event === "serving") onServing(message.listen);
    if (message.event === "measuring") paused = true;
    if (message.event === "checkpoint") {
      seen.push(message);
      paused = false;
      if (seen.length === checkpoints.length) onMeasured();
    }
    if (message.event === "done") {
      ended = message;
      if (seen.length === checkpoints.length) onDone(message);
    }
  });
  const listen = await Promise.race([serving, failure]);
  const scrapes = { ok: 0, failed: 0 };
  let scraping = true;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<boolean>((resolve) => {
      http
        .get(`http://${listen}${path}`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode === 200));
          response.on("error", () => resolve(false));
        })
        .on("error", () => resolve(false));
    });
  const scraper = (async () => {
    for (let i = 0; scraping; i++) {
      if (!paused) {
        if (await get(i % 2 === 0 ? "/metrics" : "/status")) scrapes.ok += 1;
        else scrapes.failed += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const stopScraping = async () => {
    scraping = false;
    await scraper;
    agent.destroy();
  };
  return {
    listen,
    checkpoints: seen,
    measured: handled(Promise.race([measured, failure]).then(stopScraping)),
    done: handled(Promise.race([done, failure]).finally(stopScraping)),
    stop: () => child.stdin.end(),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
    scrapes: () => ({ ...scrapes }),
  };
}

/** `promise`, marked handled: a failure nobody awaits yet must not end the process before the cleanup. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Wall time and stdout of one run, without blocking this process (it serves the fake host the command talks to). */
function timeRun(
  node: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolveTime, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(node, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolveTime({ ms, stdout });
      else reject(new Error(`node ${args.join(" ")} exited ${code}: ${stderr.trim().split("\n").pop()}`));
    });
  });
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const signedMb = (bytes: number) => `${bytes >= 0 ? "+" : "-"}${(Math.abs(bytes) / MB).toFixed(2)} MB`;

/** How the JavaScript heap moved between two readings: used, committed (heapTotal) and compiled code. */
function heapGrowth(early: MemoryReading, late: MemoryReading): string {
  const code = (reading: MemoryReading) => reading.spaces.code_space ?? 0;
  return [late.heapUsed - early.heapUsed, late.heapTotal - early.heapTotal, code(late) - code(early)]
    .map(signedMb)
    .join(", ");
}

/** The rows of one soak: RSS against bare node, growth from the early checkpoint, the loop's kept state. */
/** The rows of one soak, its figures `<prefix>_vs_node<suffix>` and `<prefix>_growth_mb<suffix>`. */
function soakRows(
  label: string,
  soak: Soak,
  done: Done,
  bare: number,
  goal: number,
  figure: { prefix: string; suffix: string },
): Row[] {
  const early = soak.checkpoints[0];
  const late = soak.checkpoints.at(-1);
  if (early === undefined || late === undefined) throw new Error("the soak reported no checkpoints");
  const ratio = late.idle.rss / bare;
  // Between the levels the daemon's trim brings it back to: a plain reading lands anywhere in the 2 MB above that,
  // depending on when the daemon last trimmed; a leak raises the trimmed level as much as any other.
  const growth = late.trimmed.rss - early.trimmed.rss;
  const untrimmedGrowth = late.idle.rss - early.idle.rss;
  const sameSizes = JSON.stringify(early.sizes) === JSON.stringify(late.sizes);
  const sizes = Object.entries(late.sizes)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  const seconds = late.realMs / 1000;
  const scrapes = soak.scrapes();
  return [
    {
      metric: `daemon RSS after ${late.cycle} passes / bare node, ${label}`,
      value: `${ratio.toFixed(2)}x (${mb(late.idle.rss)} vs ${mb(bare)}; busy ${mb(late.busy.rss)})`,
      goal: `<= ${goal}x`,
      met: ratio <= goal && done.exitCode === 0 && done.fallbackExecs === 0,
      figures: { [`${figure.prefix}_vs_node${figure.suffix}`]: Math.round(ratio * 100) / 100 },
    },
    {
      metric: `... RSS growth from pass ${early.cycle} to ${late.cycle}, trimmed (heap used, committed, code; untrimmed)`,
      value: `${signedMb(growth)} (${heapGrowth(early.trimmed, late.trimmed)}; ${signedMb(untrimmedGrowth)})`,
      goal: "< 2 MB",
      met: growth < 2 * MB,
      figures: { [`${figure.prefix}_growth_mb${figure.suffix}`]: Math.round((growth / MB) * 100) / 100 },
    },
    // BENCH_CHECKPOINTS with more than two passes: the readings in between, to tell a steady climb from a plateau.
    ...(soak.checkpoints.length > 2
      ? [
          {
            metric: "... RSS / heap used / heap committed at each checkpoint",
            value: soak.checkpoints
              .map(
                ({ cycle, idle }) =>
                  `${cycle}: ${[idle.rss, idle.heapUsed, idle.heapTotal].map(mb).join(" / ")}`,
              )
              .join("; "),
            goal: "reported",
            met: true,
          },
        ]
      : []),
    {
      metric: `... loop's debugSizes() at pass ${early.cycle} and ${late.cycle}`,
      value: `${sameSizes ? "same" : `differ (${JSON.stringify(early.sizes)})`}: ${sizes}`,
      goal: "same",
      met: sameSizes,
    },
    {
      metric: "... passes/s, requests served, rotations, log lines",
      value: `${Math.round(late.cycle / seconds)}/s (${seconds.toFixed(0)} s), ${scrapes.ok}, ${done.rotations}, ${done.logLines}`,
      goal: "no failed request",
      met: scrapes.failed === 0,
    },
  ];
}

interface Variant {
  args: string[];
  /** Where the report must come from (status's `source`). */
  source: string | undefined;
}

/**
 * `status --output json` with the probes run in the command and with a daemon answering, each / `node -e 0`, on
 * the given runtime (`suffix` on the figures' keys: "" for this Node's, "_node22" for production's).
 */
async function statusRows(
  world: World,
  listen: string,
  rounds: number,
  runtime: { node: string; major: number; suffix: string },
): Promise<Row[]> {
  const base = ["dist/ecs-anywhere-agent.mjs", "status", "--output", "json"];
  // The idle daemon's host, probed without the control plane by --no-daemon.
  const { controlPlane: fakeHost } = world.hosts;
  const host = ["--root", fakeHost.root, "--ecs-agent-url", fakeHost.introspectionUrl];
  const variants = {
    probes: { args: [...base, ...host, "--no-daemon"], source: "probed now" },
    daemon: { args: [...base, ...host, "--listen", listen], source: "daemon" },
    bare: { args: ["-e", "0"], source: undefined },
  };
  const env = world.env(fakeHost, false);
  const times: Record<keyof typeof variants, number[]> = { probes: [], daemon: [], bare: [] };
  // Alternating, so that the machine's noise hits all three alike; round -1 warms the page cache and checks that
  // each report came from where it should.
  for (let round = -1; round < rounds; round++) {
    for (const [name, variant] of Object.entries(variants) as [keyof typeof variants, Variant][]) {
      const { ms, stdout } = await timeRun(runtime.node, variant.args, env);
      if (round >= 0) times[name].push(ms);
      else if (variant.source !== undefined && JSON.parse(stdout).source !== variant.source) {
        throw new Error(`status: the report came from ${JSON.parse(stdout).source}, not ${variant.source}`);
      }
    }
  }
  const bareMs = median(times.bare);
  return (
    [
      ["probes", "--no-daemon (probes once)"],
      ["daemon", "the daemon answering"],
    ] as const
  ).map(([name, label]) => {
    const ms = median(times[name]);
    // `status --output json` as an operator runs it on a host with the daemon answers from the daemon: that is
    // status_vs_node; the fallback that probes itself (no daemon, or --no-daemon) is status_probes_vs_node.
    const key = `${name === "probes" ? "status_probes_vs_node" : "status_vs_node"}${runtime.suffix}`;
    return {
      metric: `status --output json wall time / node -e 0, Node ${runtime.major}, ${label}`,
      value: `${(ms / bareMs).toFixed(2)}x (${ms.toFixed(1)} ms vs ${bareMs.toFixed(1)} ms)`,
      goal: "<= 3x",
      met: ms / bareMs <= 3,
      figures: { [key]: Math.round((ms / bareMs) * 100) / 100 },
    };
  });
}

/**
 * One daemon (no control-plane checks) through `cycles` passes in a child process, scraped meanwhile: its two
 * checkpoints (at a tenth of the passes and at the end) and how it ended. The soak test in npm test uses it.
 */
export async function soakOnce(
  cycles: number,
): Promise<{ checkpoints: Checkpoint[]; done: Done; scrapes: number }> {
  const bundleDir = mkdtempSync(join(tmpdir(), "soak-"));
  const world = await startWorld(Math.ceil(cycles / ROTATE_EVERY) + 1);
  let soak: Soak | undefined;
  try {
    soak = await startSoak(await bundleSoak(bundleDir), world, false, false, cycles);
    const done = await soak.done;
    return { checkpoints: soak.checkpoints, done, scrapes: soak.scrapes().ok };
  } finally {
    soak?.kill();
    await world.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

/**
 * The daemon's memory, without and with the control-plane checks: two soaks side by side, each `CYCLES` passes in
 * a child on a clock that skips the waits, RSS read after gc() at pass CYCLES/10 and CYCLES, against a bare node's
 * RSS read the same way; all in the unit's environment (UNIT_ENV), on this Node and on production's. Each runtime's
 * soak with the control plane keeps serving afterwards, so that `status` (on that runtime) is timed against a daemon
 * that answers as well as with --no-daemon (which probes itself).
 */
export async function daemonRows(rounds = Number(process.env.BENCH_ROUNDS ?? 15)): Promise<Row[]> {
  const bundleDir = mkdtempSync(join(tmpdir(), "bench-daemon-soak-"));
  const world = await startWorld(Math.ceil(CYCLES / ROTATE_EVERY) + 1);
  const soaks: Soak[] = [];
  try {
    const bundle = await bundleSoak(bundleDir);
    const rows: Row[] = [];
    // This Node's soaks first (the published keys, measured so from the start), then production's (keys ending
    // _node<major>).
    for (const major of new Set([THIS_NODE, PRODUCTION_NODE])) {
      const node = major === THIS_NODE ? process.execPath : nodeOf(major);
      const suffix = major === THIS_NODE ? "" : `_node${major}`;
      const bare = bareNodeRss(node);
      world.emu.clearCalls();
      const plain = await startSoak(bundle, world, false, false, CYCLES, node);
      soaks.push(plain);
      const withPlane = await startSoak(bundle, world, true, true, CYCLES, node);
      soaks.push(withPlane);
      const plainDone = await plain.done;
      await withPlane.measured;
      // The control-plane daemon waits now, its last report cached; the other one has exited.
      const status = await statusRows(world, withPlane.listen, rounds, { node, major, suffix });
      withPlane.stop();
      const withPlaneDone = await withPlane.done;
      const calls = world.emu.calls();
      const count = (action: string) => calls.filter((call) => call.action === action).length;
      const ecs = count("DescribeContainerInstances");
      const ssm = count("DescribeInstanceInformation");
      // At most once a minute: with 15 s passes, on the first pass a minute or more after the last (60-75 s).
      const minutes = (withPlane.checkpoints.at(-1)?.fakeElapsedMs ?? 0) / 60_000;
      rows.push(
        ...soakRows(`Node ${major}, no control-plane checks`, plain, plainDone, bare, 1.5, {
          prefix: "daemon_rss",
          suffix,
        }),
        ...soakRows(`Node ${major}, control-plane checks`, withPlane, withPlaneDone, bare, 2.5, {
          prefix: "daemon_control_plane_rss",
          suffix,
        }),
        {
          metric: "... DescribeContainerInstances / DescribeInstanceInformation calls",
          value: `${ecs} / ${ssm} in ${Math.round(minutes)} min of the daemon's time`,
          goal: "one each 60-75 s",
          met: [ecs, ssm].every((n) => n >= minutes / 1.25 && n <= minutes + 1),
        },
        ...status,
      );
    }
    return rows;
  } finally {
    for (const soak of soaks) soak.kill();
    await world.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  dropSdkNodeVersionWarning();
  const rows = await daemonRows();
  printRows(rows);
}
