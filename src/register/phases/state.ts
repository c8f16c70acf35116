import type { RegisterReport } from "../report.ts";
import { type AgentState, type JournalEntry, readState, writeState } from "../state.ts";
import type { RegisterDeps, RegisterInput } from "../types.ts";

export async function saveState(
  deps: RegisterDeps,
  input: RegisterInput,
  report: RegisterReport,
  journal: JournalEntry[],
): Promise<void> {
  const { fs, clock } = deps.host;
  const previous = await readState(fs);
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
    updatedAt: now,
    journal: [...(previous?.journal ?? []), ...journal].slice(-100),
  };
  await writeState(fs, state);
}
