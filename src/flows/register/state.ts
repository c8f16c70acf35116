import { type AgentState, type JournalEntry, writeState } from "../../components/agent-state/state.ts";
import { describeError } from "../../errors.ts";
import type { RegisterRun } from "./run.ts";
import type { RegisterDeps } from "./types.ts";

/** Writes state.json: what this run found and did, on top of what the run found there (read once). */
export async function saveState(run: RegisterRun, journal: JournalEntry[]): Promise<void> {
  const { input, report, previousState: previous } = run;
  const { fs, clock } = run.deps.host;
  const now = clock.now().toISOString();
  const registeredNow =
    report.containerInstanceArn !== undefined &&
    report.containerInstanceArn !== previous?.containerInstanceArn;
  const state: AgentState = {
    version: 1,
    cluster: input.config.cluster,
    region: input.region,
    ...((report.containerInstanceArn ?? previous?.containerInstanceArn)
      ? { containerInstanceArn: report.containerInstanceArn ?? previous?.containerInstanceArn }
      : {}),
    ...((report.managedInstanceId ?? previous?.managedInstanceId)
      ? { managedInstanceId: report.managedInstanceId ?? previous?.managedInstanceId }
      : {}),
    ...(registeredNow
      ? { registeredAt: now }
      : previous?.registeredAt
        ? { registeredAt: previous.registeredAt }
        : {}),
    ...(report.createdActivationId && !report.activationDeleted
      ? { pendingActivationId: report.createdActivationId }
      : {}),
    updatedAt: now,
    journal: [...(previous?.journal ?? []), ...journal].slice(-100),
  };
  await writeState(fs, state);
}

/** Records a just-in-time activation as soon as it exists, so a run killed before deleting it is cleaned up. */
export async function markPendingActivation(
  deps: RegisterDeps,
  previous: AgentState | undefined,
  activationId: string,
): Promise<void> {
  const { fs, clock } = deps.host;
  const now = clock.now().toISOString();
  await writeState(fs, {
    journal: [],
    ...previous,
    version: 1,
    pendingActivationId: activationId,
    updatedAt: now,
  });
}

/** Deletes the activation a killed run left behind (best effort: it expires within 30 minutes anyway). */
export async function deleteLeftoverActivation(
  deps: RegisterDeps,
  previous: AgentState | undefined,
): Promise<void> {
  const { fs, log } = deps.host;
  if (previous?.pendingActivationId === undefined || !deps.hasAwsCredentials) return;
  const { pendingActivationId, ...rest } = previous;
  try {
    await (await deps.aws()).ssm.deleteActivation(pendingActivationId);
    await writeState(fs, rest);
    log.info({ activationId: pendingActivationId }, "deleted the activation an interrupted run left behind");
  } catch (error) {
    log.warn(
      { activationId: pendingActivationId, error: describeError(error) },
      "could not delete an activation left behind",
    );
  }
}
