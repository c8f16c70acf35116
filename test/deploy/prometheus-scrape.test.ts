// A real Prometheus, with the scrape job deploy/prometheus/scrape.yml ships, scrapes the agent's metrics endpoint;
// and promtool lints the endpoint's exposition text.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import { run } from "../../src/adapters/host/exec.ts";
import { Redactor } from "../../src/util/redact.ts";
import { CLUSTER, makeRegistered, REGION, startDaemon, startDaemonWorld } from "../daemon/harness.ts";
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
  token?: string;
  stop(): Promise<void>;
}

/**
 * The endpoint under test: the daemon itself (in-process, on a fake host that looks registered, with an emulator
 * behind it), with control-plane checks on so every series the alerts read exists.
 */
async function startMetricsEndpoint(options: { bearerToken?: string } = {}): Promise<MetricsEndpoint> {
  const world = await startDaemonWorld();
  makeRegistered(world.host, new Date());
  let config = `region: ${REGION}\ncluster: ${CLUSTER}\nhealth:\n  controlPlane: true\n  repair: false\n`;
  if (options.bearerToken !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), "daemon-token-"));
    const file = join(dir, "token");
    writeFileSync(file, `${options.bearerToken}\n`, { mode: 0o600 });
    config += `  tokenFile: ${file}\n`;
  }
  const daemon = await startDaemon(world, config);
  return {
    target: daemon.url.replace("http://", ""),
    ...(options.bearerToken === undefined ? {} : { token: options.bearerToken }),
    stop: async () => {
      daemon.stop();
      await daemon.exit;
      await world.stop();
    },
  };
}

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
    // What Prometheus stored is what the daemon reports.
    const status = (await (await fetch(`http://${endpoint.target}/status`)).json()) as { ready: boolean };
    expect((await prometheus.query("ecs_anywhere_ready")).map((s) => s.value[1])).toEqual([
      status.ready ? "1" : "0",
    ]);
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
  it("gives promtool's metrics linter nothing to say", async ({ skip, expect, onTestFinished }) => {
    skip(unavailable !== undefined, unavailable);
    const endpoint = await started(startMetricsEndpoint(), onTestFinished);
    const exposition = await (await fetch(`http://${endpoint.target}/metrics`)).text();
    expect(exposition).toContain("ecs_anywhere_ready ");

    const linted = await run("promtool", ["check", "metrics"], {
      input: exposition,
      timeoutMs: 20_000,
      redactor: new Redactor(),
    });
    expect(`${linted.stdout}${linted.stderr}`).toBe("");
    expect(linted.exitCode).toBe(0);
    // Low cardinality: a label value is a check name, a repair action or result, or the build's versions.
    const labels = [...exposition.matchAll(/^ecs_anywhere_[a-z_]+\{([^}]*)\}/gm)].flatMap((m) =>
      (m[1] ?? "").split(",").map((pair) => pair.split("=")[0]),
    );
    expect(new Set(labels)).toEqual(new Set(["check", "le", "action", "result", "version", "node_version"]));
  });
});
