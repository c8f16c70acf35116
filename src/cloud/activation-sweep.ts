import type { ActivationInfo, SsmPort } from "../adapters/aws/ports.ts";
import { MANAGED_BY_TAG } from "../config/schema.ts";
import { type Change, defineStep, type Step } from "../engine/step.ts";

/** Why an activation the agent created is no longer useful, or undefined when it still is. */
export function sweepReason(activation: ActivationInfo, now: Date): string | undefined {
  if (activation.tags[MANAGED_BY_TAG.key] !== MANAGED_BY_TAG.value) return undefined;
  if (activation.expired || activation.expiresAt.getTime() <= now.getTime()) return "it has expired";
  if (activation.registrationsCount >= activation.registrationLimit) {
    return `all ${activation.registrationLimit} registration(s) are used`;
  }
  return undefined;
}

/** Plans the deletion of every expired or fully used activation tagged ManagedBy=ecs-anywhere-agent. */
export function planSweep(activations: ActivationInfo[], now: Date, ssm: SsmPort): Change[] {
  return activations.flatMap((activation) => {
    const reason = sweepReason(activation, now);
    if (reason === undefined) return [];
    return [
      {
        id: `activation/${activation.id}`,
        action: "delete" as const,
        summary: `delete activation ${activation.id} (role ${activation.iamRoleName})`,
        reason,
        apply: () => ssm.deleteActivation(activation.id),
      },
    ];
  });
}

/** The sweep as a reconcile step, so it shares the engine's dry-run, logging and reporting. */
export function sweepStep(ssm: SsmPort, now: () => Date): Step<unknown> {
  return defineStep("activation-sweep", {
    observe: () => ssm.listActivations(),
    plan(activations) {
      const changes = planSweep(activations, now(), ssm);
      return {
        summary:
          changes.length === 0
            ? `nothing to sweep among ${activations.length} activation(s)`
            : `delete ${changes.length} activation(s)`,
        changes,
      };
    },
  });
}
