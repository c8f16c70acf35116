import type { ContainerInstanceInfo, EcsPort } from "../../adapters/aws/ports.ts";
import type { Plan } from "../../engine/step.ts";
import { AwsCallError } from "../../errors.ts";
import { formatDuration } from "../../util/duration.ts";
import { awsOrPlan } from "./aws-access.ts";
import { tasksOn, waitForDrain } from "./drain.ts";
import { arnRegion } from "./observe.ts";
import type { ContainerInstanceTarget, DeregisterContext, DeregisterStep } from "./types.ts";

const NO_TARGET = "no container instance known: the ECS agent is not running and the state file records none";
// Codes ECS answers for an instance (or cluster) that is already gone; the emulator's are the first two.
const GONE_CODES = new Set(["InvalidParameterException", "ClientException", "ClusterNotFoundException"]);

/** `--drain`: DRAINING, then wait (bounded) until no task runs or is pending on the instance. */
export const drainAction: DeregisterStep = {
  id: "drain",
  async plan(ctx) {
    const found = await lookUp(ctx);
    if ("plan" in found) return found.plan;
    const { target, ecs, current } = found;
    const draining = current.status === "DRAINING";
    if (draining && tasksOn(current) === 0) {
      return { status: "ok", summary: `${target.arn} is DRAINING and runs no task` };
    }
    const limit = formatDuration(Math.round(ctx.input.drainTimeoutMs / 1000));
    return {
      summary: `${draining ? "" : "set DRAINING and "}wait up to ${limit} for the tasks on ${target.arn} to stop`,
      apply: async () => {
        if (!draining) await ecs.setContainerInstanceDraining(target.cluster, target.arn);
        const waited = await waitForDrain(target.cluster, target.arn, {
          ecs,
          clock: ctx.host.clock,
          timeoutMs: ctx.input.drainTimeoutMs,
          progress: ctx.host.progress,
          signal: ctx.host.signal,
          // Tasks just described do not stop the moment DRAINING is set: the first poll waits a round. With
          // none, look once more (one may have been placed before DRAINING).
          tasksLeft: tasksOn(current) || undefined,
        });
        return {
          summary: `${target.arn} is DRAINING and runs no task (waited ${formatDuration(Math.round(waited / 1000))})`,
        };
      },
    };
  },
};

/** DeregisterContainerInstance; an instance that is already INACTIVE or gone is not-needed. */
export const deregisterContainerInstanceAction: DeregisterStep = {
  id: "deregister-container-instance",
  async plan(ctx) {
    const found = await lookUp(ctx);
    if ("plan" in found) return found.plan;
    const { target, ecs } = found;
    const force = ctx.input.force ? " (--force)" : "";
    return {
      summary: `deregister ${target.arn} from ${target.cluster}${force}; found via ${target.source}`,
      apply: async () => {
        try {
          await ecs.deregisterContainerInstance(target.cluster, target.arn, ctx.input.force);
        } catch (error) {
          // ECS says "not found" with these codes, but other refusals share them: look before believing it.
          if (!(error instanceof AwsCallError && GONE_CODES.has(error.code))) throw error;
          if ((await describe(ecs, target)) !== undefined) throw withForceHint(error, ctx.input.force);
          return { status: "ok", summary: `${target.arn} was already deregistered` };
        }
        return {
          summary: `deregistered ${target.arn} from ${target.cluster}${force}; found via ${target.source}`,
        };
      },
    };
  },
};

/**
 * What both actions start from: the instance as ECS has it now, or the plan that ends the action there
 * (no instance known, AWS not callable, or the instance already deregistered).
 */
async function lookUp(
  ctx: DeregisterContext,
): Promise<
  { plan: Plan } | { target: ContainerInstanceTarget; ecs: EcsPort; current: ContainerInstanceInfo }
> {
  const target = ctx.observed.containerInstance;
  if (!target) return { plan: { status: "ok", summary: NO_TARGET } };
  const manual = `aws ecs deregister-container-instance --cluster ${target.cluster} --container-instance ${target.arn} --force`;
  const aws = awsOrPlan(ctx, `container instance ${target.arn}`, manual, arnRegion(target.arn));
  if ("plan" in aws) return aws;
  const { ecs } = await aws.ports();
  const current = await describe(ecs, target);
  if (current === undefined) {
    return {
      plan: { status: "ok", summary: `${target.arn} is already deregistered from ${target.cluster}` },
    };
  }
  return { target, ecs, current };
}

/** The instance while it still counts (ACTIVE or DRAINING); undefined once INACTIVE, missing, or its cluster is gone. */
async function describe(
  ecs: EcsPort,
  target: ContainerInstanceTarget,
): Promise<ContainerInstanceInfo | undefined> {
  try {
    const [instance] = await ecs.describeContainerInstances(target.cluster, [target.arn]);
    return instance === undefined || instance.status === "INACTIVE" ? undefined : instance;
  } catch (error) {
    if (error instanceof AwsCallError && error.code === "ClusterNotFoundException") return undefined;
    throw error;
  }
}

function withForceHint(error: AwsCallError, force: boolean): AwsCallError {
  if (force || error.remediation) return error;
  return new AwsCallError(
    error.call,
    error.code,
    error.message,
    "stop its tasks first (--drain), or re-run with --force to deregister it while tasks run",
  );
}
