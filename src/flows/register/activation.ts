import { createActivation } from "../../cloud/activation.ts";
import { resourceTags, setupSteps } from "../../cloud/setup-steps.ts";
import type { AgentState } from "../../components/agent-state/state.ts";
import { pending, runSteps } from "../../engine/run.ts";
import { MASK } from "../../util/redact.ts";
import type { HostObservation } from "./observe.ts";
import type { PhaseReport, RegisterReport } from "./report.ts";
import { markPendingActivation } from "./state.ts";
import type { Mode, RegisterDeps, RegisterInput } from "./types.ts";
import { JIT_EXPIRY_SECONDS } from "./types.ts";

export async function phaseActivation(
  input: RegisterInput,
  deps: RegisterDeps,
  observed: HostObservation,
  mode: Mode,
  report: RegisterReport,
  phase: (name: "activation", body: () => Promise<PhaseReport | undefined>) => Promise<void>,
  state: AgentState | undefined,
): Promise<{ id: string; code: string } | undefined> {
  let activation: { id: string; code: string } | undefined;
  await phase("activation", async () => {
    if (mode !== "fresh" || observed.ssmRegistered) {
      return {
        phase: "activation",
        status: "not-needed",
        summary: `SSM is already registered (${observed.managedInstanceId ?? "mi- id unknown"})`,
      };
    }
    if (input.supplied) {
      activation = { id: input.supplied.id, code: input.supplied.code };
      return {
        phase: "activation",
        status: "done",
        summary: `supplied activation ${input.supplied.id} (${input.supplied.source})`,
      };
    }
    const aws = await deps.aws();
    const identity = await aws.sts.getCallerIdentity();
    const reports = await runSteps(setupSteps(input.config, input.region, identity, aws), {
      dryRun: input.dryRun,
      log: deps.host.log,
    });
    report.changes = reports.flatMap((r) =>
      r.changes.map(({ id, action, summary, reason }) => ({ id, action, summary, reason })),
    );
    const cloud = reports.reduce((sum, r) => sum + pending(r.changes).length, 0);
    const expiresIn = Math.min(input.config.activation.expiresIn, JIT_EXPIRY_SECONDS);
    if (input.dryRun) {
      activation = { id: "(created-at-run-time)", code: MASK };
      return {
        phase: "activation",
        status: "planned",
        summary: `${cloud} cloud change(s), then a single-use activation expiring in ${expiresIn / 60} min`,
      };
    }
    const created = await createActivation(
      aws.ssm,
      {
        roleName: input.config.instanceRole.name,
        region: input.region,
        settings: { ...input.config.activation, expiresIn, registrationLimit: 1 },
        tags: resourceTags(input.config),
      },
      deps.host.clock,
      deps.host.redactor,
    );
    activation = { id: created.activationId, code: created.activationCode };
    report.createdActivationId = created.activationId;
    await markPendingActivation(deps, state, created.activationId);
    return {
      phase: "activation",
      status: "done",
      summary: `${cloud} cloud change(s); created single-use activation ${created.activationId} (expires ${created.expiresAt})`,
    };
  });
  return activation;
}

/** A just-in-time activation is single-use: when the run fails after creating it, delete it (best effort). */
export async function discardActivation(
  input: RegisterInput,
  deps: RegisterDeps,
  activationId: string | undefined,
): Promise<boolean> {
  if (activationId === undefined || input.supplied !== undefined) return false;
  await (await deps.aws()).ssm.deleteActivation(activationId);
  deps.host.log.info({ activationId }, "deleted the just-in-time activation after a failed run");
  return true;
}
