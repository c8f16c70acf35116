import type { AwsPorts, EcsPort } from "../../adapters/aws/ports.ts";
import type { AgentMetadata } from "../../adapters/host/introspection.ts";
import type { Plan } from "../../engine/step.ts";
import { formatDuration } from "../../util/duration.ts";
import { tasksOn, waitForDrain } from "../deregister/drain.ts";
import type { UpgradeContext, UpgradeStep } from "./types.ts";

/** The container instance this host is, from the running agent (field notes §2), or undefined. */
export function containerInstance(metadata: AgentMetadata): { cluster: string; arn: string } | undefined {
  return metadata.state === "ok" && metadata.containerInstanceArn !== null
    ? { cluster: metadata.cluster, arn: metadata.containerInstanceArn }
    : undefined;
}

/** The ECS port, or the plan that says why AWS cannot be called. */
async function ecsOrPlan(ctx: UpgradeContext, what: string): Promise<{ ecs: EcsPort } | { plan: Plan }> {
  const access = ctx.aws;
  if (!access.ready) {
    return {
      plan: {
        status: access.status === "skipped" ? "skipped" : "failed",
        summary: `${access.reason}: cannot ${what}`,
        ...(access.remediation ? { remediation: access.remediation } : {}),
      },
    };
  }
  const ports: AwsPorts = await access.ports();
  return { ecs: ports.ecs };
}

/**
 * `--drain` (field notes §10.14): when an ECS upgrade is due and tasks run on this container instance, set it
 * DRAINING and wait (deregister's bounded wait) until none runs. The activate step sets it ACTIVE again.
 */
export const drainStep: UpgradeStep = {
  id: "drain",
  async plan(ctx) {
    const target = await ctx.ecsTarget().catch(() => undefined);
    if (target === undefined || !target.needed) {
      return { status: "ok", summary: "no ECS agent upgrade to drain for" };
    }
    const instance = containerInstance(ctx.observed.metadata);
    if (instance === undefined)
      return { status: "ok", summary: "no container instance known: nothing to drain" };
    const found = await ecsOrPlan(ctx, `drain ${instance.arn}`);
    if ("plan" in found) return found.plan;
    const { ecs } = found;
    const [current] = await ecs.describeContainerInstances(instance.cluster, [instance.arn]);
    if (current === undefined || current.status === "INACTIVE") {
      return { status: "ok", summary: `${instance.arn} is not registered in ECS: nothing to drain` };
    }
    const tasks = tasksOn(current);
    if (tasks === 0 && current.status === "ACTIVE") {
      return { status: "ok", summary: `no task runs on ${instance.arn}: nothing to drain` };
    }
    const draining = current.status === "DRAINING";
    const limit = formatDuration(Math.round(ctx.input.drainTimeoutMs / 1000));
    return {
      summary: `${draining ? "" : "set DRAINING and "}wait up to ${limit} for the ${tasks} task(s) on ${instance.arn} to stop`,
      apply: async () => {
        if (!draining) {
          await ecs.setContainerInstanceDraining(instance.cluster, instance.arn);
          // Only what this run drained is set ACTIVE again (an operator's DRAINING stays).
          ctx.drained = instance;
        }
        const waited = await waitForDrain(instance.cluster, instance.arn, {
          ecs,
          clock: ctx.host.clock,
          timeoutMs: ctx.input.drainTimeoutMs,
          progress: ctx.host.progress,
          signal: ctx.host.signal,
          tasksLeft: tasks || undefined,
        });
        return {
          summary: `${instance.arn} is DRAINING and runs no task (waited ${formatDuration(Math.round(waited / 1000))})`,
        };
      },
    };
  },
};

/** field notes §10.14: ACTIVE again once the upgrade is over, unless the agent was left broken. */
export const activateStep: UpgradeStep = {
  id: "activate",
  async plan(ctx) {
    const drained = ctx.drained;
    if (drained === undefined) {
      return { status: "ok", summary: "this run set no container instance DRAINING" };
    }
    const manual = `aws ecs update-container-instances-state --cluster ${drained.cluster} --container-instances ${drained.arn} --status ACTIVE`;
    if (ctx.ecsOutcome === "broken") {
      return {
        status: "failed",
        summary: `${drained.arn} stays DRAINING: the ECS agent is not healthy after the failed upgrade and rollback`,
        remediation: `fix the agent (see the upgrade step), then run: ${manual}`,
      };
    }
    const found = await ecsOrPlan(ctx, `set ${drained.arn} ACTIVE`);
    if ("plan" in found) return { ...found.plan, status: "failed", remediation: `run: ${manual}` };
    return {
      summary: `set ${drained.arn} ACTIVE again`,
      apply: async () => {
        await found.ecs.setContainerInstanceActive(drained.cluster, drained.arn);
        return { summary: `${drained.arn} is ACTIVE again` };
      },
    };
  },
};

/** A step that does nothing, and says so, when the drain before it failed. */
export function unlessDrainFailed(step: UpgradeStep): UpgradeStep {
  return {
    ...step,
    async plan(ctx, signal) {
      const drain = ctx.results.find((result) => result.id === drainStep.id);
      if (drain?.status !== "failed") return step.plan(ctx, signal);
      return {
        status: "skipped",
        summary: "not run: the drain failed, so the ECS agent was not upgraded",
        remediation: "once the tasks have stopped, re-run `ecs-anywhere-agent upgrade --drain`",
      };
    },
  };
}
