// The SSM agent's endpoint overrides (field notes §10.10) live in a file the packages do not own (they ship only a
// template), so removing the packages leaves them. Purge takes out exactly the keys register recorded, as
// register does once the endpoints leave the config; the operator's own keys and the file stay, unless this agent
// created the file and nothing else is left in it.
import path from "node:path";
import type { HostFs } from "../../adapters/host/fs.ts";
import {
  applySsmAgentConfig,
  observeSsmAgentConfig,
  planSsmAgentConfig,
  readEndpointRecord,
  SSM_AGENT_CONFIG,
  UnreadableSsmAgentConfig,
} from "../../components/ssm-agent/endpoint-config.ts";

export interface EndpointKeysPurge {
  /** The file's folder purge empties: every name in it but the file, when the file stays. */
  folder: string;
  /** The file stays: its name in `folder`; undefined when there is none, or it goes. */
  kept: string | undefined;
  /** The plan's line; undefined when there is nothing to take out. */
  summary: string | undefined;
  /** One line per key removed or left. */
  details: string[];
  /** Why the recorded keys cannot be taken out (the file is not a JSON object): a failure of the purge. */
  problem: string | undefined;
  apply(): Promise<void>;
}

/** Reads the file and the record, changes nothing. */
export async function planEndpointKeysPurge(fs: HostFs): Promise<EndpointKeysPurge> {
  const [observed, record] = await Promise.all([observeSsmAgentConfig(fs), readEndpointRecord(fs)]);
  const folder = path.posix.dirname(SSM_AGENT_CONFIG);
  const name = path.posix.basename(SSM_AGENT_CONFIG);
  const exists = observed.text !== undefined;
  const base = { folder, kept: exists ? name : undefined, details: [], apply: async () => {} };
  let plan: ReturnType<typeof planSsmAgentConfig>;
  try {
    plan = planSsmAgentConfig(observed.text, {}, record.ssmAgent, record.ssmAgentCreated);
  } catch (error) {
    if (!(error instanceof UnreadableSsmAgentConfig)) throw error;
    const keys = Object.keys(record.ssmAgent).join(", ");
    return { ...base, summary: undefined, problem: `${error.message}: left it with ${keys} in it` };
  }
  if (!plan.changed) return { ...base, summary: undefined, problem: undefined };
  const removed = plan.next === null;
  return {
    folder,
    kept: removed ? undefined : name,
    summary: removed
      ? `remove ${SSM_AGENT_CONFIG} (only the endpoint keys register set were in it)`
      : `remove the endpoint keys register set from ${SSM_AGENT_CONFIG}`,
    details: plan.changes,
    problem: undefined,
    apply: () => applySsmAgentConfig(fs, plan, observed, record),
  };
}
