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
  const local = [
    stopEcsAction,
    removeAgentStateAction,
    clearSsmRegistrationAction,
    ...(input.purge ? [purgeAction] : []),
  ];
  const destructive = [
    deregisterContainerInstanceAction,
    deregisterManagedInstanceAction,
    // Without --force, what AWS still holds stays on the host too (a reset host could not finish the job).
    ...(input.force ? local : local.map(unlessCloudFailed)),
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

/** Which cloud-side actions each local action waits for: the host keeps what AWS still has registered. */
const NEEDS: Record<string, readonly string[]> = {
  [stopEcsAction.id]: [deregisterContainerInstanceAction.id],
  [removeAgentStateAction.id]: [deregisterContainerInstanceAction.id],
  [clearSsmRegistrationAction.id]: [deregisterManagedInstanceAction.id],
  [purgeAction.id]: [deregisterContainerInstanceAction.id, deregisterManagedInstanceAction.id],
};

const WHAT: Record<string, string> = {
  [deregisterContainerInstanceAction.id]: "the container instance",
  [deregisterManagedInstanceAction.id]: "the managed instance",
};

/** Cloud-side actions of this run that failed (not skipped: --local-only skips them on purpose). */
function failedCloud(results: readonly StepResult[], ids: readonly string[]): string[] {
  return ids.filter((id) => results.find((result) => result.id === id)?.status === "failed");
}

/**
 * The local action as is, unless a cloud-side action it follows failed (AWS unreachable, denied, no
 * credentials): then the host keeps its part, so a re-run still finds what to deregister.
 */
function unlessCloudFailed(step: DeregisterStep): DeregisterStep {
  return {
    ...step,
    async plan(ctx, signal) {
      const failed = failedCloud(ctx.results, NEEDS[step.id] ?? []);
      if (failed.length === 0) return step.plan(ctx, signal);
      // The command that finishes the job is the report's last line (`unfinished`).
      return {
        status: "skipped",
        summary: `${KEPT}: ${failed.map((id) => WHAT[id]).join(" and ")} could not be deregistered, so this host keeps it`,
      };
    },
  };
}

const KEPT = "not run";

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
  /** When a step failed: what is left undone, and the command that finishes the job. */
  unfinished?: { summary: string; remediation: string };
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
    ...(host.failpoints ? { failpoints: host.failpoints } : {}),
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
  const failed = steps.filter((step) => step.status === "failed");
  const ok = !cancelled && failed.length === 0;
  return {
    ok,
    dryRun: input.dryRun,
    steps,
    cancelled,
    ...(ok || cancelled ? {} : { unfinished: unfinished(input, steps, failed) }),
  };
}

function unfinished(
  input: DeregisterInput,
  steps: StepResult[],
  failed: StepResult[],
): { summary: string; remediation: string } {
  const kept = steps.filter((step) => step.status === "skipped" && step.summary.startsWith(KEPT));
  const names = failed.map((step) => step.id).join(", ");
  const held =
    kept.length > 0 ? `; not run, so the host keeps its part: ${kept.map((s) => s.id).join(", ")}` : "";
  const again = `ecs-anywhere-agent deregister${input.drain ? " --drain" : ""}${input.purge ? " --purge" : ""}`;
  return {
    summary: `deregister not finished: ${failed.length} of ${steps.length} steps failed (${names})${held}`,
    remediation:
      kept.length > 0
        ? `fix the cause above, then re-run \`${again}\`; or \`${again} --force\` resets this host anyway`
        : `fix the cause above, then re-run \`${again}\``,
  };
}

/** A cancelled deregister still says in the journal how far it got (the state step never ran). */
async function journalCancellation(host: HostContext, steps: StepResult[]): Promise<void> {
  const entries = journalOf(steps).map((entry) => ({ ...entry, step: `deregister:${entry.step}` }));
  await appendJournal(host.fs, host.clock, entries).catch((error: unknown) =>
    host.log.warn({ error: describeError(error) }, "could not record the cancelled run"),
  );
}
