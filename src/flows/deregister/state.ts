import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import {
  type AgentState,
  type JournalEntry,
  readState,
  writeState,
} from "../../components/agent-state/state.ts";
import type { DeregisterContext, DeregisterStep } from "./types.ts";

/**
 * Records the run in state.json (for reporting, never the source of truth): the cluster and ARN go once the
 * container instance is deregistered, the mi- id once the managed instance is. What stays registered (e.g.
 * --local-only) is kept, or written down, so a later run with credentials can still find it.
 */
export const stateAction: DeregisterStep = {
  id: "state",
  async plan(ctx) {
    const { host } = ctx;
    // null too: the file is only a report, and a hand-edited one must not fail the run.
    const current = (await readState(host.fs, host.warn)) ?? undefined;
    const purged = ctx.results.some((r) => r.id === "purge" && r.status === "changed");
    if (purged && current === undefined) {
      return { status: "ok", summary: `${AGENT_STATE.state} was removed by purge` };
    }
    const now = host.clock.now().toISOString();
    const next = nextState(ctx, current, now);
    const unchanged = sameFields(next.fields, fieldsOf(current));
    if (unchanged && next.journal.length === 0) {
      return {
        status: "ok",
        summary: current ? `${AGENT_STATE.state} is up to date` : `no ${AGENT_STATE.state} to update`,
      };
    }
    return {
      summary: `record the deregistration in ${AGENT_STATE.state}`,
      apply: async () => {
        const state: AgentState = {
          version: 1,
          ...next.fields,
          updatedAt: now,
          journal: [...(Array.isArray(current?.journal) ? current.journal : []), ...next.journal].slice(-100),
        };
        await writeState(host.fs, state);
        return { summary: `recorded in ${AGENT_STATE.state} (0600)` };
      },
    };
  },
};

type Fields = Omit<AgentState, "version" | "updatedAt" | "journal">;

function nextState(
  ctx: DeregisterContext,
  current: AgentState | undefined,
  at: string,
): { fields: Fields; journal: JournalEntry[] } {
  const fields: Fields = { ...fieldsOf(current) };
  const target = ctx.observed.containerInstance;
  if (gone(ctx, "deregister-container-instance")) {
    delete fields.cluster;
    delete fields.containerInstanceArn;
    delete fields.registeredAt;
  } else if (target) {
    fields.cluster = target.cluster;
    fields.containerInstanceArn = target.arn;
  }
  const managed = ctx.observed.managedInstance;
  if (gone(ctx, "deregister-managed-instance")) delete fields.managedInstanceId;
  else if (managed) fields.managedInstanceId = managed.id;
  const journal = ctx.results
    .filter((r) => r.status === "changed" || r.status === "failed")
    .map((r) => ({ step: `deregister:${r.id}`, status: r.status, at, detail: r.summary }));
  return { fields, journal };
}

function fieldsOf(state: AgentState | undefined): Fields {
  if (state === undefined) return {};
  const { version: _version, updatedAt: _updatedAt, journal: _journal, ...fields } = state;
  return fields;
}

function sameFields(a: Fields, b: Fields): boolean {
  const sorted = (fields: Fields) =>
    JSON.stringify(Object.entries(fields).sort(([x], [y]) => x.localeCompare(y)));
  return sorted(a) === sorted(b);
}

/** Deregistered now or before (or, in a dry run, about to be). */
function gone(ctx: DeregisterContext, id: string): boolean {
  const status = ctx.results.find((r) => r.id === id)?.status;
  return status === "changed" || status === "ok" || status === "planned";
}
