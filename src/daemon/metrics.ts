import type { Clock } from "../util/clock.ts";
import type { PassFacts } from "./probes/probe.ts";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "./prom-client.ts";
import { REPAIR_ACTIONS } from "./repair.ts";
import type { DaemonStatus, RepairRecord } from "./status.ts";

const RENDER_EVERY_MS = 1_000;
const NOT_COUNTERS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * The daemon's Prometheus series on a registry of its own (never prom-client's global one), so nothing else
 * in the process can add series, and a test can build as many as it likes. Labels are bounded: check names
 * and repair actions are fixed lists, results three values. No message, ARN or path ever becomes a label.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #ready: Gauge;
  readonly #registered: Gauge;
  readonly #checkPassing: Gauge<"check">;
  readonly #checkDuration: Histogram<"check">;
  readonly #agentConnected: Gauge | undefined;
  /** Made when first known: a series that reads 0 before anything was measured would raise false alerts. */
  #credentialsExpiry: Gauge | undefined;
  #clockSkew: Gauge | undefined;
  readonly #repairs: Counter<"action" | "result">;
  readonly #passes: Counter;
  readonly #lastPass: Gauge;

  readonly #clock: Clock;
  #rendered: { at: number; text: Promise<string> } | undefined;

  constructor(options: { version: string; controlPlane: boolean; clock: Clock }) {
    this.#clock = options.clock;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // Gauges that prom-client names like counters, which `promtool check metrics` rejects; the event loop's
    // handles are in the soak test's debug hook instead.
    for (const name of NOT_COUNTERS) this.registry.removeSingleMetric(name);
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    this.#ready = gauge(
      "ecs_anywhere_ready",
      "1 when the host is registered and every critical check passes.",
    );
    this.#registered = gauge(
      "ecs_anywhere_registered",
      "1 when the ECS agent reports a container instance in the configured cluster.",
    );
    this.#checkPassing = new Gauge({
      name: "ecs_anywhere_check_passing",
      help: "1 when the check's latest result is ok, warn or skipped; 0 when it failed.",
      labelNames: ["check"],
      registers,
    });
    this.#checkDuration = new Histogram({
      name: "ecs_anywhere_check_duration_seconds",
      help: "How long each check took.",
      labelNames: ["check"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#agentConnected = options.controlPlane
      ? gauge("ecs_anywhere_agent_connected", "1 when ECS says the agent on this host is connected.")
      : undefined;
    this.#repairs = new Counter({
      name: "ecs_anywhere_repairs_total",
      help: "Repairs by action and result (skipped: needed but held back by backoff, the hourly cap or the lock).",
      labelNames: ["action", "result"],
      registers,
    });
    // Every series from the start at 0, so increase() sees the first repair (deploy/prometheus/alerts.yml).
    for (const action of REPAIR_ACTIONS) {
      for (const result of ["ok", "failed", "skipped"]) this.#repairs.inc({ action, result }, 0);
    }
    this.#passes = new Counter({
      name: "ecs_anywhere_probe_passes_total",
      help: "Probe passes completed.",
      registers,
    });
    this.#lastPass = gauge(
      "ecs_anywhere_last_successful_pass_timestamp_seconds",
      "When the last probe pass completed (Unix time).",
    );
    new Gauge({
      name: "ecs_anywhere_build_info",
      help: "The agent's version and the Node.js running it; always 1.",
      labelNames: ["version", "node_version"],
      registers,
    }).set({ version: options.version, node_version: process.version }, 1);
  }

  /** After each pass: the report and what the probes learned. */
  observe(status: DaemonStatus, facts: PassFacts, repairs: readonly RepairRecord[], finishedAt: Date): void {
    this.#ready.set(status.ready ? 1 : 0);
    this.#registered.set(status.registered ? 1 : 0);
    for (const check of status.checks) {
      this.#checkPassing.set({ check: check.name }, check.status === "failed" ? 0 : 1);
    }
    if (this.#agentConnected && facts.agentConnected !== undefined) {
      this.#agentConnected.set(facts.agentConnected ? 1 : 0);
    }
    if (facts.credentialsExpireAt) {
      this.#credentialsExpiry ??= new Gauge({
        name: "ecs_anywhere_credentials_expiry_timestamp_seconds",
        help: "When the instance role credentials the SSM agent wrote expire (Unix time).",
        registers: [this.registry],
      });
      this.#credentialsExpiry.set(facts.credentialsExpireAt.getTime() / 1000);
    }
    if (facts.clockSkewSeconds !== undefined) {
      this.#clockSkew ??= new Gauge({
        name: "ecs_anywhere_clock_skew_seconds",
        help: "Host clock minus the time of the AWS endpoint; positive when the host is ahead.",
        registers: [this.registry],
      });
      this.#clockSkew.set(facts.clockSkewSeconds);
    }
    for (const repair of repairs) this.#repairs.inc({ action: repair.action, result: repair.result });
    this.#passes.inc();
    this.#lastPass.set(finishedAt.getTime() / 1000);
    this.#rendered = undefined;
  }

  /** A probe's duration, as it finishes (only probes that ran, not cached verdicts). */
  timed(check: string, durationMs: number): void {
    this.#checkDuration.observe({ check }, durationMs / 1000);
  }

  /**
   * The exposition text, rendered at most once a second (and again after every pass): rendering costs a few
   * hundred microseconds, so a scrape storm must not render per request. Process metrics are then at most 1 s old.
   */
  async render(): Promise<{ contentType: string; body: string }> {
    const now = this.#clock.now().getTime();
    if (
      this.#rendered === undefined ||
      now - this.#rendered.at >= RENDER_EVERY_MS ||
      now < this.#rendered.at
    ) {
      // One render shared by every request that arrives while it runs.
      this.#rendered = { at: now, text: this.registry.metrics() };
    }
    return { contentType: this.registry.contentType, body: await this.#rendered.text };
  }
}
