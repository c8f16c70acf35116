import type { HostFs } from "../../adapters/host/fs.ts";
import type { StepResult } from "../../engine/run.ts";
import type { Status } from "../../engine/step.ts";
import type { Clock } from "../../util/clock.ts";
import { AGENT_STATE } from "./paths.ts";

/** One step of a run, as the journal keeps it: which, how it ended, when, and its one-line summary. */
export interface JournalEntry {
  step: string;
  status: Status;
  at: string;
  detail?: string;
}

/** The journal lines of a run's step results (a dry run writes no journal). */
export function journalOf(steps: readonly StepResult[]): JournalEntry[] {
  return steps.map((step) => ({
    step: step.id,
    status: step.status,
    at: step.startedAt,
    detail: step.summary,
  }));
}

/**
 * What the agent last did and saw, for reporting (`status`, the daemon). Never the source of truth: every
 * run observes the host again. Never holds a secret. Mode 0600.
 */
export interface AgentState {
  version: 1;
  cluster?: string;
  region?: string;
  containerInstanceArn?: string;
  managedInstanceId?: string;
  registeredAt?: string;
  /** A just-in-time activation a run created and could not delete yet (killed mid-run); the next run deletes it. */
  pendingActivationId?: string;
  updatedAt: string;
  journal: JournalEntry[];
}

export async function readState(fs: HostFs): Promise<AgentState | undefined> {
  const text = await fs.readText(AGENT_STATE.state);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as AgentState;
  } catch {
    return undefined; // a torn or hand-edited file is only a report: start over
  }
}

/** Adds journal entries to state.json, creating it when absent (a report, never the source of truth). */
export async function appendJournal(fs: HostFs, clock: Clock, entries: JournalEntry[]): Promise<void> {
  const current = await readState(fs);
  const journal = [...(Array.isArray(current?.journal) ? current.journal : []), ...entries].slice(-100);
  await writeState(fs, { ...current, version: 1, updatedAt: clock.now().toISOString(), journal });
}

export async function writeState(fs: HostFs, state: AgentState): Promise<void> {
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  await fs.writeFileAtomic(AGENT_STATE.state, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
