import type { Systemd } from "../adapters/host/systemd.ts";
import type { HostContext } from "../app/host.ts";
import { applyEcsConfigFiles } from "../components/ecs-agent/config-files.ts";
import { effectiveValuesDiffer } from "../components/ecs-agent/effective-config.ts";
import { ECS_AGENT } from "../components/ecs-agent/files.ts";
import { runSteps } from "../engine/run.ts";
import { change, type Plan, type Step } from "../engine/step.ts";
import type { Logger } from "../util/logger.ts";
import type { PassFacts, UnitRole } from "./probes/probe.ts";
import type { RepairRecord } from "./status.ts";

export const REPAIR_ACTIONS = [
  "restart-docker",
  "restart-ssm-agent",
  "rewrite-ecs-config",
  "restart-ecs",
] as const;
export type RepairAction = (typeof REPAIR_ACTIONS)[number];

export interface RepairPolicyOptions {
  /** The wait after the first attempt; doubled after each further one while the problem stays. */
  baseMs?: number;
  maxMs?: number;
  /** Attempts per action in any rolling hour. */
  perHour: number;
}

const HOUR_MS = 3_600_000;

/**
 * When a repair may run again: exponential backoff per action while its problem persists, and at most
 * `perHour` attempts of one action in any hour. Memory is bounded: one entry per action, at most
 * `perHour` timestamps each.
 */
export class RepairPolicy {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #perHour: number;
  readonly #state = new Map<RepairAction, { attempts: number; nextAt: number; recent: number[] }>();

  constructor(options: RepairPolicyOptions) {
    this.#baseMs = options.baseMs ?? 30_000;
    this.#maxMs = options.maxMs ?? HOUR_MS;
    this.#perHour = options.perHour;
  }

  /** undefined when the action may run now, else why not. */
  heldBack(action: RepairAction, now: number): string | undefined {
    const state = this.#state.get(action);
    if (state === undefined) return undefined;
    const inHour = state.recent.filter((at) => now - at < HOUR_MS);
    if (inHour.length >= this.#perHour) {
      const until = new Date((inHour[0] ?? now) + HOUR_MS).toISOString();
      return `capped: ${this.#perHour} attempts in the last hour (next after ${until})`;
    }
    if (now < state.nextAt) return `backing off until ${new Date(state.nextAt).toISOString()}`;
    return undefined;
  }

  attempted(action: RepairAction, now: number): void {
    const state = this.#state.get(action) ?? { attempts: 0, nextAt: 0, recent: [] };
    state.attempts += 1;
    state.nextAt = now + Math.min(this.#baseMs * 2 ** (state.attempts - 1), this.#maxMs);
    state.recent = [...state.recent.filter((at) => now - at < HOUR_MS), now].slice(-this.#perHour);
    this.#state.set(action, state);
  }

  /** The problem this action repairs is gone: the next occurrence starts from the shortest wait again. */
  healthy(action: RepairAction): void {
    const state = this.#state.get(action);
    if (state !== undefined) {
      state.attempts = 0;
      state.nextAt = 0;
    }
  }

  /** For the soak test's debug hook: how much state the policy holds. */
  size(): { actions: number; timestamps: number } {
    let timestamps = 0;
    for (const state of this.#state.values()) timestamps += state.recent.length;
    return { actions: this.#state.size, timestamps };
  }
}

interface RepairRun {
  host: HostContext;
  systemd: Systemd;
  facts: PassFacts;
  policy: RepairPolicy;
  now: number;
}

/** A repair step: planned only when its problem was observed; held back by the policy; applied once. */
function repairStep(
  action: RepairAction,
  needed: (run: RepairRun) => string | undefined,
  apply: (run: RepairRun) => Promise<string>,
): Step<RepairRun> {
  return {
    id: action,
    async plan(run): Promise<Plan> {
      const what = needed(run);
      if (what === undefined) {
        run.policy.healthy(action);
        return { status: "ok", summary: "nothing to repair" };
      }
      const held = run.policy.heldBack(action, run.now);
      if (held !== undefined) return { status: "skipped", summary: `${what}: not repaired, ${held}` };
      return change(what, async () => {
        run.policy.attempted(action, run.now);
        return { summary: await apply(run) };
      });
    },
  };
}

function restartStep(action: RepairAction, role: UnitRole): Step<RepairRun> {
  const unitOf = (run: RepairRun) => run.facts.inactiveUnits.find((entry) => entry.role === role)?.unit;
  return repairStep(
    action,
    (run) => {
      const unit = unitOf(run);
      return unit === undefined ? undefined : `restart ${unit} (it is not active)`;
    },
    async (run) => {
      const unit = unitOf(run) as string;
      await run.systemd.restart(unit);
      return `restarted ${unit}`;
    },
  );
}

/** Rewrites the drifted keys; restarts ecs when a value ecs-init reads changed and ecs runs (field notes §3.1). */
const rewriteEcsConfig = repairStep(
  "rewrite-ecs-config",
  (run) => {
    const drift = run.facts.drift;
    if (drift === undefined) return undefined;
    const files = drift.plans.filter((plan) => plan.changed).map((plan) => plan.path);
    return `rewrite ${files.join(" and ")}`;
  },
  async (run) => {
    const drift = run.facts.drift;
    if (drift === undefined) return "nothing to rewrite";
    await applyEcsConfigFiles(run.host.fs, drift.plans);
    const restart =
      effectiveValuesDiffer(drift.current, drift.plans) && (await run.systemd.isActive(ECS_AGENT.unit));
    if (restart) await run.systemd.restart(ECS_AGENT.unit);
    const files = drift.plans.filter((plan) => plan.changed).map((plan) => plan.path);
    return `rewrote ${files.join(" and ")}${restart ? " and restarted ecs" : ""}`;
  },
);

/** Docker first (the ECS agent runs in it), then the SSM agent (it vends credentials), then ecs. */
export const REPAIR_STEPS: readonly Step<RepairRun>[] = [
  restartStep("restart-docker", "docker"),
  restartStep("restart-ssm-agent", "ssm-agent"),
  rewriteEcsConfig,
  restartStep("restart-ecs", "ecs"),
];

/** The repairs this pass's facts call for, before any policy or lock says whether they may run. */
export function neededRepairs(facts: PassFacts): RepairAction[] {
  const roles = new Set(facts.inactiveUnits.map((entry) => entry.role));
  const needed: RepairAction[] = [];
  if (roles.has("docker")) needed.push("restart-docker");
  if (roles.has("ssm-agent")) needed.push("restart-ssm-agent");
  if (facts.drift !== undefined) needed.push("rewrite-ecs-config");
  if (roles.has("ecs")) needed.push("restart-ecs");
  return needed;
}

/** Runs the repairs the pass's facts call for; returns what was attempted or held back. */
export async function repair(
  run: RepairRun,
  options: { signal: AbortSignal; log: Logger },
): Promise<RepairRecord[]> {
  const at = new Date(run.now).toISOString();
  const report = await runSteps(REPAIR_STEPS, run, {
    dryRun: false,
    signal: options.signal,
    clock: run.host.clock,
    redactor: run.host.redactor,
    onFailure: "continue",
  });
  const records: RepairRecord[] = [];
  for (const step of report.steps) {
    const result =
      step.status === "changed"
        ? "ok"
        : step.status === "failed"
          ? "failed"
          : step.status === "skipped"
            ? "skipped"
            : undefined;
    if (result === undefined) continue;
    const record: RepairRecord = {
      action: step.id,
      result,
      at,
      message: run.host.redactor.scrub(step.summary),
    };
    records.push(record);
    const fields = { action: record.action, result, message: record.message };
    if (result === "failed") options.log.warn(fields, "repair failed");
    else if (result === "ok") options.log.info(fields, "repaired");
  }
  return records;
}

export type { RepairRun };
