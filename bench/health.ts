// The health server under a Prometheus-like load: GET /metrics against a registry the size of the daemon's.
// `npx tsx bench/health.ts` runs only these rows; `npm run bench` includes them.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import autocannon, { type Result } from "autocannon";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HealthSource } from "../src/daemon/health-routes.ts";
import { DaemonMetrics } from "../src/daemon/metrics.ts";
import { PROBE_NAMES } from "../src/daemon/probes.ts";
import { tuneDaemonRuntime } from "../src/daemon/runtime.ts";
import { startHealthServer } from "../src/daemon/server.ts";
import type { DaemonStatus } from "../src/daemon/status.ts";
import { systemClock } from "../src/util/clock.ts";
import { createLogger } from "../src/util/logger.ts";
import { Redactor } from "../src/util/redact.ts";
import { printRows, type Row } from "./results.ts";
import { median } from "./timing.ts";
import { plainEnv, UNIT_ENV } from "./unit-env.ts";

const CHECKS = ["ecs-agent", "ssm-agent", "docker", "clock-skew", "credentials", "ecs-config", "signing-key"];
const CHECKS_MORE = ["endpoints", "disk", "agent-db"];
// Far above what scrapers and probes send (a scrape every few seconds), far below saturation.
const PACED_RATE = 1_000;
const ACTIONS = ["rewrite-ecs-config", "restart-ecs", "restart-ssm-agent", "restart-docker"];

/** Fifteen metric families with labels, filled as a few passes would fill them: the daemon's registry in size. */
function daemonSizedRegistry(): Registry {
  const registry = new Registry();
  const registers = [registry];
  const checks = [...CHECKS, ...CHECKS_MORE];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `ecs_anywhere_${name}`, help, labelNames, registers });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `ecs_anywhere_${name}`, help, labelNames, registers });
  const histogram = (name: string, help: string, labelNames: string[] = []) =>
    new Histogram({ name: `ecs_anywhere_${name}`, help, labelNames, registers });

  gauge("ready", "1 when registered and every critical check passes").set(1);
  gauge("registered", "1 when the ECS agent reports a container instance").set(1);
  gauge("info", "Version and placement", ["version", "cluster", "region"])
    .labels("0.1.0", "edge", "eu-west-1")
    .set(1);
  const status = gauge("check_status", "1 for the check's current status", ["check", "status"]);
  const critical = gauge("check_critical", "1 when a failure of the check makes the host not ready", [
    "check",
  ]);
  const duration = histogram("check_duration_seconds", "How long each probe took", ["check"]);
  const passes = counter("probe_passes_total", "Probe passes completed");
  const passDuration = histogram("probe_pass_duration_seconds", "How long each pass took");
  gauge("last_pass_timestamp_seconds", "When the last pass finished").set(1_764_000_000);
  const repairs = counter("repairs_total", "Repairs attempted", ["action", "result"]);
  gauge("clock_skew_seconds", "Host clock minus AWS time").set(0.4);
  gauge("signing_key_expiry_seconds", "Time until the install script's signing key expires").set(
    86_400 * 200,
  );
  gauge("running_tasks", "Tasks the ECS agent runs").set(3);
  const up = gauge("component_up", "1 when the component's service is active", ["component"]);
  const failures = counter("check_failures_total", "Failed probes", ["check"]);
  for (const [i, check] of checks.entries()) {
    for (const value of ["ok", "warn", "failed", "skipped"])
      status.labels(check, value).set(value === "ok" ? 1 : 0);
    critical.labels(check).set(i < 4 ? 1 : 0);
    for (let pass = 0; pass < 20; pass++) duration.labels(check).observe(0.002 * (i + 1) * (1 + (pass % 5)));
    failures.labels(check).inc(i % 3);
  }
  for (let pass = 0; pass < 20; pass++) {
    passes.inc();
    passDuration.observe(0.05 + pass * 0.01);
  }
  for (const action of ACTIONS)
    for (const result of ["ok", "failed", "skipped"]) repairs.labels(action, result).inc(1);
  for (const component of ["ecs", "amazon-ssm-agent", "docker"]) up.labels(component).set(1);
  return registry;
}

/**
 * What the daemon's loop would hand the server: the report of the last pass and the registry; probe() is the loop's
 * own, never the server's. `renderPerPass` renders the exposition once per pass instead of once per request.
 */
class CachedSource implements HealthSource {
  statusCalls = 0;
  metricsCalls = 0;
  probes = 0;
  #report: DaemonStatus | undefined;
  #exposition: string | undefined;
  readonly #registry = daemonSizedRegistry();
  /** The daemon's own metrics, as it serves them (rendered at most once a second). */
  readonly #daemon = new DaemonMetrics({ version: "0.1.0", controlPlane: true, clock: systemClock });
  readonly #renderPerPass: boolean;

  constructor(renderPerPass: boolean) {
    this.#renderPerPass = renderPerPass;
  }

  async probe(): Promise<void> {
    this.probes++;
    this.#report = {
      schema: 1,
      version: "0.1.0",
      ready: true,
      registered: true,
      summary: "registered in edge, 12/12 checks passing",
      cluster: "edge",
      passes: this.probes,
      checks: PROBE_NAMES.map((name) => ({
        name,
        status: "ok",
        critical: true,
        message: "ok",
        observedAt: new Date().toISOString(),
        durationMs: 3,
      })),
      repairs: [],
    };
    for (const name of PROBE_NAMES) this.#daemon.timed(name, 3);
    const facts = {
      inactiveUnits: [],
      agentConnected: true,
      clockSkewSeconds: 0,
      credentialsExpireAt: new Date(),
    };
    this.#daemon.observe(this.#report, facts, [], new Date());
    if (this.#renderPerPass) this.#exposition = await this.#registry.metrics();
  }

  status(): DaemonStatus {
    this.statusCalls++;
    if (this.#report === undefined) throw new Error("no pass yet");
    return this.#report;
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    this.metricsCalls++;
    if (this.#exposition !== undefined)
      return { contentType: this.#registry.contentType, body: this.#exposition };
    return this.#daemon.render();
  }
}

/** CPU time of one registry.metrics() call, us (mean of `rounds`): what a /metrics answer costs when it renders. */
async function renderCpuUs(rounds = 1_000): Promise<number> {
  const registry = daemonSizedRegistry();
  await registry.metrics();
  const before = process.cpuUsage(); // no load runs now: the process's CPU time is this thread's
  for (let i = 0; i < rounds; i++) await registry.metrics();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / rounds;
}

interface Load {
  result: Result;
  /** CPU time of this (the server's) thread per answered request: what one scrape costs the daemon. */
  cpuUs: number;
}

/**
 * CPU time of the main thread so far, ms (Linux: /proc, in clock ticks of 10 ms). CPU time rather than busy wall
 * time: on a shared machine the thread also waits for a core, and that is not the server's cost.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return ticks * 10;
}

/** Load on GET /metrics from a worker thread, so that client and server have a core each. */
async function load(port: number, seconds: number, connections: number, overallRate?: number): Promise<Load> {
  const before = mainThreadCpuMs();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/metrics`,
    connections,
    duration: seconds,
    workers: 1,
    ...(overallRate === undefined ? {} : { overallRate }),
  });
  return { result, cpuUs: ((mainThreadCpuMs() - before) * 1000) / Math.max(1, result.requests.total) };
}

/** A health server over a fresh source; the load's outcome, and the source calls the load caused. */
async function withHealthServer(
  renderPerPass: boolean,
  run: (port: number) => Promise<Load>,
): Promise<Load & { metricsCalls: number; statusCalls: number; probes: number }> {
  const source = new CachedSource(renderPerPass);
  await source.probe();
  const probesBefore = source.probes;
  const log = createLogger("warn", new Redactor(), (line) => process.stderr.write(line));
  const server = await startHealthServer({ source, host: "127.0.0.1", port: 0, log });
  try {
    const outcome = await run(server.address.port);
    const { metricsCalls, statusCalls } = source;
    return { ...outcome, metricsCalls, statusCalls, probes: source.probes - probesBefore };
  } finally {
    await server.close();
  }
}

/** A bare node:http server answering every request with the same exposition and nothing else: the baseline. */
async function withBareServer(run: (port: number) => Promise<Load>): Promise<Load> {
  const registry = daemonSizedRegistry();
  const body = await registry.metrics();
  const headers = { "Content-Type": registry.contentType, "Content-Length": Buffer.byteLength(body) };
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const failures = (r: Result) => r.errors + r.timeouts + r.non2xx;
const throughput = (r: Result) => `${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms`;

/**
 * GET /metrics with the registry rendered per request: requests/s and p99 at saturation (closed loop: with 50
 * connections the mean latency is 50 / throughput, so p99 <= 5 ms needs well over 10,000 req/s), the source calls
 * the requests caused (never a probe), the server's CPU time per request and the registry's share of it, and p99
 * at a steady rate. Then the server's own cost, with the exposition rendered once per pass, against a bare node:http
 * server sending the same text: CPU time per request rather than requests/s, which on a shared machine measure
 * the load generator and the neighbours as much as the server (alternating rounds, medians, as timing.ts does).
 */
export async function healthServerRows(
  seconds = Number(process.env.BENCH_HEALTH_SECONDS ?? 5),
  connections = 10,
): Promise<Row[]> {
  // The alternating rounds come first: they also warm the JIT up for the figures after them.
  const perPass: Load[] = [];
  const bare: number[] = [];
  let perPassProbes = 0;
  for (let round = 0; round < 3; round++) {
    const run = await withHealthServer(true, (port) => load(port, 1, connections));
    perPass.push(run);
    perPassProbes += run.probes;
    bare.push((await withBareServer((port) => load(port, 1, connections))).cpuUs);
  }
  const perRequest = await withHealthServer(false, (port) => load(port, seconds, connections));
  const paced = await withHealthServer(false, (port) => load(port, 2, connections, PACED_RATE));
  const { result, metricsCalls, statusCalls, probes } = perRequest;
  const { sent, total: answered } = result.requests;
  const serverUs = median(perPass.map((run) => run.cpuUs));
  const bareUs = median(bare);
  const perPassFailures = perPass.reduce((sum, run) => sum + failures(run.result), 0);
  return [
    {
      metric: `health server GET /metrics (the daemon's metrics), ${connections} connections, ${seconds} s: req/s, p99`,
      value: throughput(result),
      goal: ">= 10000 req/s, p99 <= 5 ms",
      met: result.requests.average >= 10_000 && result.latency.p99 <= 5 && failures(result) === 0,
      figures: { metrics_rps: Math.round(result.requests.average), metrics_p99_ms: result.latency.p99 },
    },
    {
      metric: "... metrics() / status() calls, answered, sent, probes",
      value: `${metricsCalls} / ${statusCalls}, ${answered}, ${sent}, ${probes}`,
      goal: "answered <= metrics() <= sent, 0 probes",
      met: answered <= metricsCalls && metricsCalls <= sent && statusCalls === 0 && probes === 0,
    },
    {
      metric: "... server CPU per request / one registry.metrics()",
      value: `${Math.round(perRequest.cpuUs)} us / ${Math.round(await renderCpuUs())} us`,
      goal: "reported",
      met: true,
    },
    {
      metric: `... p99 at a steady ${PACED_RATE} req/s`,
      value: `p99 ${paced.result.latency.p99} ms (${Math.round(paced.result.requests.average)} req/s)`,
      goal: "reported",
      met: failures(paced.result) === 0 && paced.probes === 0,
    },
    {
      metric: "... exposition rendered once per pass: req/s, p99",
      value: throughput(median3(perPass).result),
      goal: "reported",
      met: perPassFailures === 0 && perPassProbes === 0,
    },
    {
      metric: "... server CPU per request, once per pass / bare node:http",
      value: `${Math.round(serverUs)} us / ${Math.round(bareUs)} us (${(serverUs / bareUs).toFixed(2)}x)`,
      goal: "<= 100 us (10000 req/s a core)",
      met: serverUs <= 100,
    },
  ];
}

/** The middle one of three runs by requests/s. */
function median3(runs: Load[]): Load {
  return [...runs].sort((a, b) => a.result.requests.average - b.result.requests.average)[1] as Load;
}

/**
 * The rows measured in the daemon's environment: in a child process with its unit's (UNIT_ENV: its NODE_OPTIONS
 * size V8's young generation, which every request allocates in).
 */
export function healthServerRowsAsDaemon(): Row[] {
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--json"],
    {
      encoding: "utf8",
      env: { ...plainEnv(), ...UNIT_ENV },
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as Row[];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The server as the daemon runs it: with the daemon's V8 flags (and, from healthServerRowsAsDaemon, its unit's
  // environment).
  tuneDaemonRuntime();
  const rows = await healthServerRows();
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(rows));
  else printRows(rows);
}
