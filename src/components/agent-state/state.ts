import type { HostFs } from "../../adapters/host/fs.ts";
import { AGENT_STATE } from "./paths.ts";

export interface JournalEntry {
  phase: string;
  status: "done" | "skipped" | "failed";
  at: string;
  detail?: string;
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

export async function writeState(fs: HostFs, state: AgentState): Promise<void> {
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  await fs.writeFileAtomic(AGENT_STATE.state, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
