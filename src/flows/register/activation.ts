import { createActivation } from "../../cloud/activation.ts";
import { requireCluster } from "../../cloud/cluster.ts";
import { roleStep } from "../../cloud/role.ts";
import { instanceRoleSpec, resourceTags } from "../../cloud/setup-steps.ts";
import type { Change, Plan, Step } from "../../engine/step.ts";
import { nothing } from "../../engine/step.ts";
import { MASK } from "../../util/redact.ts";
import type { RegisterRun } from "./run.ts";
import { markPendingActivation } from "./state.ts";
import { JIT_EXPIRY_SECONDS } from "./types.ts";

const PLACEHOLDER = { id: "(created-at-run-time)", code: MASK };

/**
 * The activation to register SSM with: the operator's, or a just-in-time one (what is missing of the instance
 * role added first, then a single-use activation that expires within 30 minutes). Not needed once SSM is
 * registered.
 */
export const activationStep: Step<RegisterRun> = {
  id: "activation",
  async plan(run, signal): Promise<Plan> {
    const { input, observed, mode } = run;
    if (mode !== "fresh" || observed.ssmRegistered) {
      return nothing(`SSM is already registered (${observed.managedInstanceId ?? "mi- id unknown"})`);
    }
    if (input.supplied) {
      run.activation = { id: input.supplied.id, code: input.supplied.code };
      return nothing(`supplied activation ${input.supplied.id} (${input.supplied.source})`);
    }
    // A host verifies the shared cloud side read-only: the cluster must exist (register never creates one), and
    // the instance role only gets what is missing for this host to register (setup converges it).
    const aws = await run.deps.aws();
    const identity = await aws.sts.getCallerIdentity();
    const { host } = run.deps;
    await requireCluster(aws.ecs, input.config.cluster, input.region);
    const role = roleStep(
      { ...instanceRoleSpec(input.config, input.region, identity), onlyAdd: true },
      aws.iam,
    );
    const plans = [await role.plan(undefined, signal)];
    const refused = plans.find((plan) => plan.status === "failed");
    if (refused) return refused;
    const changes = plans.flatMap((plan) => plan.changes ?? []);
    const expiresIn = Math.min(input.config.activation.expiresIn, JIT_EXPIRY_SECONDS);
    run.activation = PLACEHOLDER;
    const create: Change = {
      id: "activation",
      action: "create",
      summary: `create a single-use activation expiring in ${expiresIn / 60} min`,
      reason: "SSM is not registered and no activation was supplied",
      async apply() {
        const created = await createActivation(
          aws.ssm,
          {
            roleName: input.config.instanceRole.name,
            region: input.region,
            settings: { ...input.config.activation, expiresIn, registrationLimit: 1 },
            tags: resourceTags(input.config),
          },
          host.clock,
          host.redactor,
          { progress: host.progress, ...(signal ? { signal } : {}) },
        );
        run.activation = { id: created.activationId, code: created.activationCode };
        run.report.createdActivationId = created.activationId;
        await markPendingActivation(run.deps, run.previousState, created.activationId);
        return {
          summary: `${changes.length} cloud change(s); created single-use activation ${created.activationId} (expires ${created.expiresAt})`,
        };
      },
    };
    return {
      summary: `${changes.length} cloud change(s), then a single-use activation expiring in ${expiresIn / 60} min`,
      changes: [...changes, create],
      notes: plans.flatMap((plan) => plan.notes ?? []),
    };
  },
};

/** A just-in-time activation is single-use: when the run fails after creating it, delete it (best effort). */
export async function discardActivation(run: RegisterRun): Promise<boolean> {
  const activationId = run.report.createdActivationId;
  if (activationId === undefined || run.input.supplied !== undefined || run.report.activationDeleted)
    return false;
  // The run's own AWS calls may be cancelled: the cleanup has ports of its own, bounded in time.
  await (await run.deps.cleanupAws()).ssm.deleteActivation(activationId);
  run.deps.host.log.info({ activationId }, "deleted the just-in-time activation after a failed run");
  return true;
}
