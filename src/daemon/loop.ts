import { setMaxListeners } from "node:events";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { DaemonMetrics } from "./metrics.ts";
import { repairUnderLock } from "./pass-repair.ts";
import { logChanges, passReport } from "./pass-report.ts";
import { checkProbe } from "./probe-check.ts";
import type { PassFacts, Probe, ProbeContext } from "./probes/probe.ts";
import type { RepairPolicy } from "./repair.ts";
import type { CheckResult, DaemonStatus, RepairRecord } from "./status.ts";

/** What a pass needs that may change on SIGHUP. */
export interface LoopSettings {
  config: Config;
  /** Builds the probes' context for one pass (fresh facts each time). */
  context: (facts: PassFacts) => ProbeContext;
}

export interface LoopDeps {
  probes: readonly Probe[];
  clock: Clock;
  log: Logger;
  metrics?: DaemonMetrics;
  policy: RepairPolicy;
  version: string;
  /** 0..1; the loop waits interval x (0.9 + 0.2 x jitter()). */
  jitter?: () => number;
  /** Test failpoints (field notes §9): "probe-loop-stall" stalls the loop after its first pass. */
  failpoints?: ReadonlySet<string>;
}

const KEPT_REPAIRS = 20;

/**
 * The probe loop: one pass at a time, every `health.interval` (jittered so a fleet does not probe in step),
 * results cached in `status`. Requests and the `status` command read the cache; nothing else starts a pass.
 */
export class ProbeLoop {
  #settings: LoopSettings;
  readonly #deps: LoopDeps;
  #status: DaemonStatus;
  /** The latest verdict per probe, with when it ran (for probes that run less often than every pass). */
  readonly #last = new Map<string, { result: CheckResult; ranAt: number }>();
  #running: Promise<DaemonStatus> | undefined;
  #progressAt: number;
  #repairs: RepairRecord[] = [];

  constructor(settings: LoopSettings, deps: LoopDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#progressAt = deps.clock.now().getTime();
    const { config } = settings;
    this.#status = {
      schema: 1,
      version: deps.version,
      ready: false,
      registered: false,
      summary: "starting: no probe pass yet",
      cluster: config.cluster,
      ...(config.region === undefined ? {} : { region: config.region }),
      passes: 0,
      checks: [],
      repairs: [],
    };
  }

  /** The cached report of the last pass. */
  status(): DaemonStatus {
    return this.#status;
  }

  /** The new settings apply from the next pass on. */
  reconfigure(settings: LoopSettings): void {
    this.#settings = settings;
  }

  /**
   * True while the loop is making progress: a pass finished, a probe answered or a repair ended within
   * `stallMs`. The watchdog is pinged only then, so a stuck loop gets the daemon restarted.
   */
  progressing(now: number): boolean {
    return now - this.#progressAt <= this.stallMs();
  }

  /** Longest quiet time of a healthy loop: a jittered wait, two rounds of probe timeouts and one repair. */
  stallMs(): number {
    const { health } = this.#settings.config;
    return health.interval * 1100 + health.probeTimeout * 2000 + health.repairTimeout * 1000;
  }

  /**
   * Runs until `signal`: a pass (unless one has just been made, e.g. the daemon's first before it said READY=1),
   * a jittered wait, again.
   */
  async run(signal: AbortSignal, afterPass?: (status: DaemonStatus) => void): Promise<void> {
    while (!signal.aborted) {
      if (this.#status.passes > 0) {
        if (this.#deps.failpoints?.has("probe-loop-stall")) {
          this.#deps.log.warn({ failpoint: "probe-loop-stall" }, "failpoint: the probe loop stalls here");
          await new Promise<void>((resolve) =>
            signal.addEventListener("abort", () => resolve(), { once: true }),
          );
          return;
        }
        const jitter = this.#deps.jitter ?? Math.random;
        const wait = this.#settings.config.health.interval * 1000 * (0.9 + 0.2 * jitter());
        this.#progress();
        try {
          await this.#deps.clock.sleep(Math.round(wait), signal);
        } catch {
          return; // cancelled while waiting
        }
      }
      const status = await this.pass(signal);
      if (signal.aborted) return;
      afterPass?.(status);
    }
  }

  /** One pass; while a pass runs, a second call gets that same pass (never two at once). */
  pass(signal: AbortSignal): Promise<DaemonStatus> {
    this.#running ??= this.#pass(signal).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(signal: AbortSignal): Promise<DaemonStatus> {
    const { clock, log } = this.#deps;
    const { config } = this.#settings;
    const started = clock.now().getTime();
    this.#progressAt = started;
    const facts: PassFacts = { inactiveUnits: [] };
    const ctx = this.#settings.context(facts);
    const enabled = this.#deps.probes.filter((probe) => probe.enabled?.(ctx) ?? true);
    const early = enabled.filter((probe) => !probe.late);
    const late = enabled.filter((probe) => probe.late);
    const results = new Map<string, CheckResult>();
    // Every probe of a pass listens on the signal at once: not a leak, so no MaxListenersExceededWarning.
    setMaxListeners(Math.max(10, 2 * enabled.length), signal);
    for (const group of [early, late]) {
      const answers = await Promise.all(group.map((probe) => this.#probe(probe, ctx, signal)));
      for (const answer of answers) results.set(answer.name, answer);
    }
    if (signal.aborted) return this.#status;
    const checks = enabled.map((probe) => results.get(probe.name) as CheckResult);
    const repairs = config.health.repair ? await this.#repair(ctx, facts, signal) : [];
    this.#repairs = [...this.#repairs, ...repairs].slice(-KEPT_REPAIRS);
    const finished = clock.now();
    const previous = this.#status;
    this.#status = passReport({
      config,
      version: this.#deps.version,
      checks,
      facts,
      repairs: this.#repairs,
      passes: previous.passes + 1,
      started,
      finished,
    });
    this.#progress();
    logChanges(log, previous, this.#status);
    this.#deps.metrics?.observe(this.#status, facts, repairs, finished);
    log.debug({ passes: this.#status.passes, durationMs: this.#status.lastPassDurationMs }, "probe pass");
    return this.#status;
  }

  /** A probe's cached verdict while it is younger than the probe's `minIntervalMs`, else a fresh check. */
  async #probe(probe: Probe, ctx: ProbeContext, signal: AbortSignal): Promise<CheckResult> {
    const { clock } = this.#deps;
    const started = clock.now().getTime();
    const cached = this.#last.get(probe.name);
    if (cached && probe.minIntervalMs !== undefined && started - cached.ranAt < probe.minIntervalMs) {
      return cached.result;
    }
    const result = await checkProbe(probe, ctx, { clock, startedAt: started, signal });
    this.#last.set(probe.name, { result, ranAt: started });
    this.#deps.metrics?.timed(probe.name, result.durationMs);
    this.#progress();
    return result;
  }

  /** The pass's repairs (pass-repair.ts); their end is progress too, whatever they did. */
  async #repair(ctx: ProbeContext, facts: PassFacts, signal: AbortSignal): Promise<RepairRecord[]> {
    const { clock, policy, log } = this.#deps;
    try {
      return await repairUnderLock(ctx, facts, { clock, policy, log, signal });
    } finally {
      this.#progress();
    }
  }

  #progress(): void {
    this.#progressAt = this.#deps.clock.now().getTime();
  }

  /** For the soak test's debug hook: the sizes of everything the loop keeps between passes. */
  debugSizes(): Record<string, number> {
    return {
      cachedVerdicts: this.#last.size,
      repairsKept: this.#repairs.length,
      checks: this.#status.checks.length,
      ...Object.fromEntries(
        Object.entries(this.#deps.policy.size()).map(([key, value]) => [`policy_${key}`, value]),
      ),
    };
  }
}
