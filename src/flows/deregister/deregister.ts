import type { HostContext } from "../../app/host.ts";
import { appendJournal, journalOf } from "../../components/agent-state/state.ts";
import { runSteps, type StepResult } from "../../engine/run.ts";
import { describeError } from "../../errors.ts";
import { deregisterContainerInstanceAction, drainAction } from "./container-instance.ts";
import { clearSsmRegistrationAction, removeAgentStateAction, stopEcsAction } from "./local.ts";
import { deregisterManagedInstanceAction } from "./managed-instance.ts";
import { purgeAction } from "./purge.ts";
import { stateAction } from "./state.ts";
import type {
  AwsAccess,
  DeregisterContext,
  DeregisterInput,
  DeregisterObservation,
  DeregisterStep,
} from "./types.ts";

/** The steps of this run, in order: drain and purge only when asked for. */
export function deregisterSteps(input: Pick<DeregisterInput, "drain" | "purge" | "force">): DeregisterStep[] {
  const destructive = [
    deregisterContainerInstanceAction,
    deregisterManagedInstanceAction,
    stopEcsAction,
    removeAgentStateAction,
    clearSsmRegistrationAction,
    ...(input.purge ? [purgeAction] : []),
  ];
  // Without --force, a drain that failed or timed out stops the destruction (the state step still records it).
  const guarded = input.drain && !input.force ? destructive.map(unlessDrainFailed) : destructive;
  return [...(input.drain ? [drainAction] : []), ...guarded, stateAction];
}

/** The step as is, unless the drain before it failed: then it does nothing and says why. */
function unlessDrainFailed(step: DeregisterStep): DeregisterStep {
  return {
    ...step,
    async plan(ctx, signal) {
      const drain = ctx.results.find((result) => result.id === drainAction.id);
      if (drain?.status !== "failed") return step.plan(ctx, signal);
      const first = step.id === deregisterContainerInstanceAction.id;
      return {
        status: "skipped",
        summary: first
          ? "not run: the drain failed, so nothing is deregistered, stopped or removed"
          : "not run: the drain failed",
        ...(first
          ? {
              remediation:
                "once the tasks have stopped, re-run `ecs-anywhere-agent deregister --drain`; or run " +
                "`ecs-anywhere-agent deregister --force` to deregister while tasks still run",
            }
          : {}),
      };
    },
  };
}

export interface DeregisterDeps {
  host: HostContext;
  aws: AwsAccess;
  observed: DeregisterObservation;
}

/** Also the `--output json` document. */
export interface DeregisterReport {
  ok: boolean;
  dryRun: boolean;
  steps: StepResult[];
  cancelled: boolean;
}

/**
 * Runs every step, whatever happened to the ones before, and reports each. In a dry run a step only looks
 * (read-only AWS calls included) and says what it would do.
 */
export async function deregister(input: DeregisterInput, deps: DeregisterDeps): Promise<DeregisterReport> {
  const results: StepResult[] = [];
  const ctx: DeregisterContext = { input, ...deps, results };
  const steps = deregisterSteps(input);
  const { host } = deps;
  const report = await runSteps(steps, ctx, {
    dryRun: input.dryRun,
    signal: host.signal,
    log: host.log,
    clock: host.clock,
    redactor: host.redactor,
    onFailure: "continue",
    // Each step sees the results of those before it (the state step records them).
    onStep: (result) => results.push(result),
  });
  if (report.failure && report.cancelled) {
    if (!input.dryRun) await journalCancellation(host, report.steps);
    throw Object.assign(report.failure.error as object, { report: summary(input, report.steps, true) });
  }
  return summary(input, report.steps, false);
}

function summary(input: DeregisterInput, steps: StepResult[], cancelled: boolean): DeregisterReport {
  return {
    ok: !cancelled && steps.every((step) => step.status !== "failed"),
    dryRun: input.dryRun,
    steps,
    cancelled,
  };
}

/** A cancelled deregister still says in the journal how far it got (the state step never ran). */
async function journalCancellation(host: HostContext, steps: StepResult[]): Promise<void> {
  const entries = journalOf(steps).map((entry) => ({ ...entry, step: `deregister:${entry.step}` }));
  await appendJournal(host.fs, host.clock, entries).catch((error: unknown) =>
    host.log.warn({ error: describeError(error) }, "could not record the cancelled run"),
  );
}
