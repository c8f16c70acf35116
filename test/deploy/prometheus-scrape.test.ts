// A real Prometheus, with the scrape job deploy/prometheus/scrape.yml ships, scrapes the agent's metrics endpoint;
// and promtool lints the endpoint's exposition text.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { describe, it } from "vitest";
import { run } from "../../src/adapters/host/exec.ts";
import { Redactor } from "../../src/util/redact.ts";
import {
  prometheusUnavailable,
  type RunningPrometheus,
  SCRAPE_JOB,
  startPrometheus,
} from "../support/prometheus.ts";

const unavailable = prometheusUnavailable();
const SCRAPE_WAIT_MS = 15_000;

interface MetricsEndpoint {
  /** host:port */
  target: string;
  stop(): Promise<void>;
}

/**
 * The endpoint under test. For now a stand-in: a prom-client registry with the daemon's series (the names of the
 * metrics contract, made-up values) and prom-client's default process metrics, on a loopback port. Replace this
 * function's body with starting the daemon; nothing else in this file depends on the stand-in.
 */
async function startMetricsEndpoint(options: { bearerToken?: string } = {}): Promise<MetricsEndpoint> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const now = Date.now() / 1000;
  new Gauge({
    name: "ecs_anywhere_ready",
    help: "Registered and every critical check passing",
    registers,
  }).set(1);
  new Gauge({ name: "ecs_anywhere_registered", help: "Registered in the cluster", registers }).set(1);
  new Gauge({ name: "ecs_anywhere_agent_connected", help: "ECS agent connected", registers }).set(1);
  const passing = new Gauge({
    name: "ecs_anywhere_check_passing",
    help: "Check ok, warn or skipped (1) or failed (0)",
    labelNames: ["check"],
    registers,
  });
  const duration = new Histogram({
    name: "ecs_anywhere_check_duration_seconds",
    help: "Check duration",
    labelNames: ["check"],
    registers,
  });
  for (const check of ["ecs-agent", "docker", "clock-skew"]) {
    passing.set({ check }, 1);
    duration.observe({ check }, 0.02);
  }
  const repairs = new Counter({
    name: "ecs_anywhere_repairs_total",
    help: "Repairs by action and result",
    labelNames: ["action", "result"],
    registers,
  });
  for (const action of ["rewrite-ecs-config", "restart-ecs", "restart-ssm-agent", "restart-docker"]) {
    for (const result of ["ok", "failed", "skipped"]) repairs.inc({ action, result }, 0);
  }
  new Gauge({
    name: "ecs_anywhere_credentials_expiry_timestamp_seconds",
    help: "Credentials expiry",
    registers,
  }).set(now + 3600);
  new Gauge({ name: "ecs_anywhere_clock_skew_seconds", help: "Host minus reference", registers }).set(-0.2);
  new Counter({ name: "ecs_anywhere_probe_passes_total", help: "Probe passes", registers }).inc(3);
  new Gauge({
    name: "ecs_anywhere_last_successful_pass_timestamp_seconds",
    help: "Last successful pass",
    registers,
  }).set(now);
  new Gauge({
    name: "ecs_anywhere_build_info",
    help: "Build",
    labelNames: ["version", "node_version"],
    registers,
  }).set({ version: "0.0.0-test", node_version: process.version }, 1);

  const server = createServer((request, response) => {
    const authorized =
      options.bearerToken === undefined || request.headers.authorization === `Bearer ${options.bearerToken}`;
    if (request.url !== "/metrics" || !authorized) {
      response.writeHead(authorized ? 404 : 401).end();
      return;
    }
    registry
      .metrics()
      .then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text));
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** prom-client default metrics that promtool's linter flags: gauges whose names end in `_total`. */
const PROM_CLIENT_LINT_FINDINGS = new Set([
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
]);

/** Every ecs_anywhere_ metric alerts.yml reads (in expressions and annotation queries). */
function metricsTheAlertsRead(): string[] {
  const rules = readFileSync(
    fileURLToPath(new URL("../../deploy/prometheus/alerts.yml", import.meta.url)),
    "utf8",
  );
  return [...new Set([...rules.matchAll(/\b(ecs_anywhere_[a-z_]+)/g)].map((m) => m[1] as string))].sort();
}

/** Starts something, and stops it when the test finishes, whatever the outcome. */
async function started<T extends { stop(): Promise<void> }>(
  start: Promise<T>,
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<T> {
  const running = await start;
  onTestFinished(() => running.stop());
  return running;
}

// Concurrent: most of a scrape test is Prometheus waiting to apply its targets (about 5 s, fixed in Prometheus 2.42).
describe.concurrent("the metrics endpoint, scraped by a real Prometheus", () => {
  it("is up, with the ecs_anywhere_ series the alerts read and the process metrics", async ({
    skip,
    expect,
    onTestFinished,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const endpoint = await started(startMetricsEndpoint(), onTestFinished);
    const prometheus: RunningPrometheus = await started(
      startPrometheus({ targets: [endpoint.target] }),
      onTestFinished,
    );

    const up = await prometheus.waitFor(`up{job="${SCRAPE_JOB}"}`, (v) => v.length > 0, SCRAPE_WAIT_MS);
    expect(up.map((s) => [s.metric.instance, s.value[1]])).toEqual([[endpoint.target, "1"]]);

    const names = await prometheus.query('count by (__name__) ({__name__=~"ecs_anywhere_.+"})');
    const served = new Set(names.map((s) => s.metric.__name__));
    const read = metricsTheAlertsRead();
    expect(read.filter((name) => !served.has(name))).toEqual([]);
    expect(read.length).toBeGreaterThan(5);
    expect((await prometheus.query("ecs_anywhere_ready")).map((s) => s.value[1])).toEqual(["1"]);
    expect(await prometheus.query("process_start_time_seconds")).toHaveLength(1);
    expect(await prometheus.query("nodejs_heap_size_used_bytes")).toHaveLength(1);
  });

  it("is scraped with the bearer token given, and is down for a target that wants another", async ({
    skip,
    expect,
    onTestFinished,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const right = await started(
      startMetricsEndpoint({ bearerToken: "token-prometheus-has" }),
      onTestFinished,
    );
    const other = await started(startMetricsEndpoint({ bearerToken: "some-other-token" }), onTestFinished);
    const prometheus = await started(
      startPrometheus({ targets: [right.target, other.target], bearerToken: "token-prometheus-has" }),
      onTestFinished,
    );

    const up = await prometheus.waitFor(`up{job="${SCRAPE_JOB}"}`, (v) => v.length === 2, SCRAPE_WAIT_MS);
    const byTarget = Object.fromEntries(up.map((s) => [s.metric.instance, s.value[1]]));
    expect(byTarget).toEqual({ [right.target]: "1", [other.target]: "0" });
    const targets = await prometheus.targets();
    expect(targets.find((t) => t.labels.instance === other.target)?.lastError).toMatch(/401/);
  });
});

describe("the metrics endpoint's exposition text", () => {
  it("gives promtool's metrics linter nothing to say beyond prom-client's own _total gauges", async ({
    skip,
    expect,
    onTestFinished,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const endpoint = await started(startMetricsEndpoint(), onTestFinished);
    const exposition = await (await fetch(`http://${endpoint.target}/metrics`)).text();
    expect(exposition).toContain("ecs_anywhere_ready ");

    const linted = await run("promtool", ["check", "metrics"], {
      input: exposition,
      timeoutMs: 20_000,
      redactor: new Redactor(),
    });
    const findings = `${linted.stdout}${linted.stderr}`.split("\n").filter((line) => line.trim() !== "");
    // A finding is "<metric> <complaint>"; a parse error would not name an allowed metric.
    const unexpected = findings.filter(
      (line) => !PROM_CLIENT_LINT_FINDINGS.has(line.split(" ")[0] as string),
    );
    expect(unexpected).toEqual([]);
    expect(linted.exitCode).toBe(findings.length === 0 ? 0 : 3);
  });
});
