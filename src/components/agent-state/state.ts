import { HostFileError, type HostFs } from "../../adapters/host/fs.ts";
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

const STATUSES: ReadonlySet<string> = new Set<Status>([
  "ok",
  "changed",
  "planned",
  "skipped",
  "warn",
  "failed",
  "cancelled",
]);
const TEXT_FIELDS = [
  "cluster",
  "region",
  "containerInstanceArn",
  "managedInstanceId",
  "registeredAt",
  "pendingActivationId",
  "updatedAt",
] as const;

/** The state as far as it could be read, and what could not be (empty when the file is sound). */
interface Validated {
  state: AgentState | undefined;
  problems: string[];
}

/**
 * state.json as far as it can be read. It is only a report: a torn or hand-edited file never fails a run.
 * Fields of the wrong type and malformed journal entries are left out, and `warn` hears one line saying
 * which; a file that is not JSON at all reads as absent, with a warning too. Such a file is kept as
 * `state.json.bak.<time>` when it is next written (see writeState), so nothing is lost silently.
 */
export async function readState(
  fs: HostFs,
  warn?: (message: string) => void,
): Promise<AgentState | undefined> {
  const text = await readReport(fs);
  if (text === undefined) return undefined;
  const { state, problems } = validateState(text);
  if (problems.length > 0) {
    warn?.(
      `${fs.resolve(AGENT_STATE.state)}: ignored what could not be read (${problems.join("; ")}); ` +
        "the file is only a report, and its current content is kept as a .bak file when it is next written",
    );
  }
  return state;
}

/**
 * The file's text, undefined when absent; a FIFO, device or oversized file put in its place reads as ""
 * (not JSON: ignored with a warning) rather than blocking or filling memory.
 */
async function readReport(fs: HostFs): Promise<string | undefined> {
  try {
    return (await fs.readInputFile(AGENT_STATE.state))?.bytes.toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTREG" || code === "EFBIG") return "";
    throw new HostFileError("cannot read", fs.resolve(AGENT_STATE.state), error);
  }
}

function validateState(text: string): Validated {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: undefined, problems: ["it is not valid JSON"] };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { state: undefined, problems: ["it is not a JSON object"] };
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const state: AgentState = { version: 1, updatedAt: "", journal: [] };
  for (const field of TEXT_FIELDS) {
    const item = record[field];
    if (typeof item === "string") state[field] = item;
    else if (item !== undefined) problems.push(`${field} is not a string`);
  }
  if (Array.isArray(record.journal)) {
    state.journal = record.journal.filter(isJournalEntry);
    const bad = record.journal.length - state.journal.length;
    if (bad > 0) problems.push(`${bad} malformed journal ${bad === 1 ? "entry" : "entries"}`);
  } else if (record.journal !== undefined) {
    problems.push("journal is not a list");
  }
  return { state, problems };
}

function isJournalEntry(value: unknown): value is JournalEntry {
  if (value === null || typeof value !== "object") return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.step === "string" &&
    typeof entry.status === "string" &&
    STATUSES.has(entry.status) &&
    typeof entry.at === "string" &&
    (entry.detail === undefined || typeof entry.detail === "string")
  );
}

/** Adds journal entries to state.json, creating it when absent (a report, never the source of truth). */
export async function appendJournal(fs: HostFs, clock: Clock, entries: JournalEntry[]): Promise<void> {
  const current = await readState(fs);
  const journal = [...(Array.isArray(current?.journal) ? current.journal : []), ...entries].slice(-100);
  await writeState(fs, { ...current, version: 1, updatedAt: clock.now().toISOString(), journal });
}

/** Writes state.json (0600); a current file that could not be fully read is kept as a .bak first. */
export async function writeState(fs: HostFs, state: AgentState): Promise<void> {
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  const current = await readReport(fs);
  const damaged = current !== undefined && validateState(current).problems.length > 0;
  await fs.writeFileAtomic(AGENT_STATE.state, `${JSON.stringify(state, null, 2)}\n`, {
    mode: 0o600,
    backup: damaged,
  });
}
