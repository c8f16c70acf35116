import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { journalOf, readState } from "../../components/agent-state/state.ts";
import { desiredKeys, planEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { proxyToRemove, readDropIns } from "../../components/proxy/converge.ts";
import { PROXY_ECS_KEYS } from "../../components/proxy/render.ts";
import { flatChanges } from "../../engine/render.ts";
import { type RunReport, runSteps } from "../../engine/run.ts";
import { change, defineStep, nothing, type Step } from "../../engine/step.ts";
import { describeError } from "../../errors.ts";
import { activationStep, discardActivation } from "./activation.ts";
import { ecsConfigStep, normalizeStep } from "./ecs-config.ts";
import { endpointConfigStep } from "./endpoint-config.ts";
import { installScriptStep, runScriptStep } from "./install-script.ts";
import { chooseMode } from "./mode.ts";
import { observeHost } from "./observe.ts";
import { preflightStep } from "./preflight.ts";
import { proxyStep } from "./proxy.ts";
import type { RegisterReport } from "./report.ts";
import type { RegisterRun } from "./run.ts";
import { deleteLeftoverActivation, saveState } from "./state.ts";
import type { RegisterDeps, RegisterInput } from "./types.ts";
import { verifyStep } from "./verify.ts";

export { REGISTER_PHASES, type RegisterDeps, type RegisterInput, SKIPPABLE_PHASES } from "./types.ts";

/** Deletes a just-in-time activation once the registration is verified (single use); a supplied one on request. */
const activationCleanupStep = defineStep("activation-cleanup", {
  observe: async (run: RegisterRun) => run,
  plan(run) {
    const { activation, input } = run;
    const created = activation !== undefined && input.supplied === undefined;
    if (!activation || (!created && !input.deleteActivation)) {
      return nothing(
        activation
          ? "supplied activation kept (pass --delete-activation to delete it)"
          : "no activation was used",
      );
    }
    return change(
      "delete the activation once registration is verified",
      async () => {
        const id = run.activation?.id ?? activation.id;
        await (await run.deps.aws()).ssm.deleteActivation(id);
        run.report.activationDeleted = true;
        return { summary: `deleted activation ${id}` };
      },
      { action: "delete" },
    );
  },
});

/** state.json: what the run found and did, with the journal of the steps before this one. */
const stateStep: Step<RegisterRun> = {
  id: "state",
  async plan(run) {
    return change(
      `record the result in ${AGENT_STATE.state}`,
      async () => {
        await saveState(run, journalOf(run.report.steps));
        return { summary: `recorded in ${AGENT_STATE.state} (0600)` };
      },
      { action: "update" },
    );
  },
};

/** The steps of `register`, in order (REGISTER_PHASES). */
export const REGISTER_STEPS: readonly Step<RegisterRun>[] = [
  preflightStep,
  activationStep,
  ecsConfigStep,
  endpointConfigStep,
  proxyStep,
  installScriptStep,
  runScriptStep,
  normalizeStep,
  verifyStep,
  activationCleanupStep,
  stateStep,
];

/** Converges the host into the cluster. Observes first; every write happens in a named step. */
export async function register(input: RegisterInput, deps: RegisterDeps): Promise<RegisterReport> {
  const { host } = deps;
  const cluster = input.config.cluster;
  const observed = await observeHost(host);
  const mode = chooseMode(observed, cluster, input.move);
  const desired = desiredKeys(input.config, input.region, input.proxy);
  // field notes §10: a proxy this agent converged before (its drop-ins say so) leaves ecs.config with it.
  const absentKeys =
    input.proxy === undefined && proxyToRemove(await readDropIns(host.fs), "any") ? [...PROXY_ECS_KEYS] : [];
  // Planned (and so validated) up front: bad values are bad input, before anything is written.
  const [etcPlan] = planEcsConfigFiles(
    desired,
    { etc: observed.ecsConfigText, lib: undefined },
    host.redactor,
    absentKeys,
  );
  if (etcPlan === undefined) throw new Error("no plan for ecs.config");
  const run: RegisterRun = {
    input,
    deps,
    observed,
    mode,
    desired,
    absentKeys,
    etcPlan,
    // state.json is read once per run (under the lock); the steps that write it build on this copy.
    previousState: input.dryRun ? undefined : await readState(host.fs, host.warn),
    scriptNeeded: mode === "fresh" && (!observed.ssmRegistered || !observed.ecsInitInstalled),
    configChanged: false,
    report: {
      ok: true,
      dryRun: input.dryRun,
      outcome: mode === "fresh" ? "registered" : mode === "move" ? "moved" : "already-registered",
      cluster,
      region: input.region,
      steps: [],
      changes: [],
    },
  };
  if (!input.dryRun) await deleteLeftoverActivation(deps, run.previousState);
  const result = await runSteps(REGISTER_STEPS, run, {
    dryRun: input.dryRun,
    signal: host.signal,
    log: host.log,
    clock: host.clock,
    redactor: host.redactor,
    ...(host.failpoints ? { failpoints: host.failpoints } : {}),
    onFailure: "stop",
    skip: input.skipPhases,
    // The state step journals the steps before it.
    onStep: (step) => run.report.steps.push(step),
  });
  finishReport(run, result);
  if (result.failure === undefined) return run.report;
  await cleanUpAfterFailure(run, result);
  throw Object.assign(result.failure.error as object, {
    report: { ...run.report, notRun: result.notRun },
  });
}

function finishReport(run: RegisterRun, result: RunReport): void {
  const { report } = run;
  report.steps = result.steps;
  report.ok = result.ok;
  report.changes = flatChanges(result.steps);
  if (run.input.dryRun) report.outcome = "planned";
}

/** After a failure or a cancellation: the single-use activation goes, and the journal says where it stopped. */
async function cleanUpAfterFailure(run: RegisterRun, result: RunReport): Promise<void> {
  if (run.input.dryRun) return;
  const { log } = run.deps.host;
  try {
    run.report.activationDeleted = (await discardActivation(run)) || run.report.activationDeleted;
  } catch (error) {
    log.warn({ error: describeError(error) }, "could not delete the just-in-time activation");
  }
  await saveState(run, journalOf(result.steps)).catch((error: unknown) =>
    log.warn({ error: describeError(error) }, "could not record the failed run"),
  );
}
