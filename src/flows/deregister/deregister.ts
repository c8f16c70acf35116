import type { HostContext } from "../../app/host.ts";
import { OperationError } from "../../errors.ts";
import { deregisterContainerInstanceAction, drainAction } from "./container-instance.ts";
import { clearSsmRegistrationAction, removeAgentStateAction, stopEcsAction } from "./local.ts";
import { deregisterManagedInstanceAction } from "./managed-instance.ts";
import { purgeAction } from "./purge.ts";
import { stateAction } from "./state.ts";
import type {
  Action,
  ActionReport,
  AwsAccess,
  DeregisterContext,
  DeregisterInput,
  DeregisterObservation,
  DeregisterReport,
  Outcome,
} from "./types.ts";

/** The actions of this run, in order: drain and purge only when asked for. */
function deregisterActions(input: Pick<DeregisterInput, "drain" | "purge">): Action[] {
  return [
    ...(input.drain ? [drainAction] : []),
    deregisterContainerInstanceAction,
    deregisterManagedInstanceAction,
    stopEcsAction,
    removeAgentStateAction,
    clearSsmRegistrationAction,
    ...(input.purge ? [purgeAction] : []),
    stateAction,
  ];
}

export interface DeregisterDeps {
  host: HostContext;
  aws: AwsAccess;
  observed: DeregisterObservation;
}

/**
 * Runs every action, whatever happened to the ones before, and reports each. In a dry run an action only
 * looks (read-only AWS calls included) and says what it would do.
 */
export async function deregister(input: DeregisterInput, deps: DeregisterDeps): Promise<DeregisterReport> {
  const results: ActionReport[] = [];
  const ctx: DeregisterContext = { input, ...deps, results };
  for (const action of deregisterActions(input)) {
    const outcome = await runAction(action, ctx);
    const report: ActionReport = { name: action.name, ...outcome };
    deps.host.log.info({ action: action.name, status: report.status }, report.message);
    results.push(report);
  }
  return { actions: results, ok: results.every((result) => result.status !== "failed") };
}

async function runAction(action: Action, ctx: DeregisterContext): Promise<Outcome> {
  try {
    const plan = await action.plan(ctx);
    if (plan.status !== "needed") return plan;
    if (ctx.input.dryRun) return { status: "planned", message: plan.message };
    return await plan.apply();
  } catch (error) {
    const remediation = error instanceof OperationError ? error.remediation : undefined;
    return {
      status: "failed",
      message: error instanceof Error ? error.message : String(error),
      ...(remediation ? { remediation } : {}),
    };
  }
}
