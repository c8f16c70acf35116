import path from "node:path";
// The SSM agent's endpoint overrides (field notes §10.10): keys of /etc/amazon/ssm/amazon-ssm-agent.json, merged
// into what the file holds. The agent records which keys it set, with their values, in a file of its own (with
// ECS_BACKEND_HOST, components/ecs-agent/backend-host.ts), so that removing an endpoint from the config removes
// exactly those keys, and a key someone else changed since is left. The file itself goes only when this agent
// created it and nothing else is left in it.
import type { HostFs } from "../../adapters/host/fs.ts";
import type { EndpointsConfig } from "../../config/schema.ts";
import { isPlainObject } from "../../config/values.ts";
import { AGENT_STATE } from "../agent-state/paths.ts";
import { SSM_AGENT } from "./files.ts";

/** Read by the deb, rpm and snap agents alike (field notes §10.10); the packages ship only a template. */
export const SSM_AGENT_CONFIG = SSM_AGENT.config;
/** The endpoint settings this agent wrote into other programs' files, and their values (EndpointRecord). */
export const ENDPOINT_RECORD = `${AGENT_STATE.dir}/endpoints.json`;

/** A key of the file as "Section.Key" (the file nests one level: {"Ssm": {"Endpoint": ...}}). */
export type SsmAgentKeys = Record<string, string>;

/**
 * The keys the endpoints call for (field notes §10.10): Ssm (registration, credentials, health), Mds
 * (ec2messages), Mgs (ssmmessages: Session Manager, ECS Exec) with its region, S3 with its region, Kms; and
 * Agent.Region whenever one is set, so the agent signs for the region the endpoints belong to.
 */
export function desiredSsmAgentKeys(endpoints: EndpointsConfig, region: string): SsmAgentKeys {
  const keys: SsmAgentKeys = {};
  if (endpoints.ssm) keys["Ssm.Endpoint"] = endpoints.ssm;
  if (endpoints.ec2messages) keys["Mds.Endpoint"] = endpoints.ec2messages;
  if (endpoints.ssmmessages) {
    keys["Mgs.Endpoint"] = endpoints.ssmmessages;
    keys["Mgs.Region"] = region;
  }
  if (endpoints.s3) {
    keys["S3.Endpoint"] = endpoints.s3;
    keys["S3.Region"] = region;
  }
  if (endpoints.kms) keys["Kms.Endpoint"] = endpoints.kms;
  if (Object.keys(keys).length > 0) keys["Agent.Region"] = region;
  return keys;
}

export interface SsmAgentConfigPlan {
  /** The file to write; null: remove it (only keys this agent set were in it). */
  next: string | null;
  /** One line per key set, changed, removed or left alone. */
  changes: string[];
  changed: boolean;
  /** What the record holds once the plan is applied. */
  owned: SsmAgentKeys;
  /** Whether the record says this agent created the file, once the plan is applied. */
  created: boolean;
}

/** The existing file is not a JSON object: neither this agent nor the SSM agent can read it. */
export class UnreadableSsmAgentConfig extends Error {}

/**
 * Merges `desired` into the file's text (undefined: no file). Keys in `owned` (set by an earlier run) that are no
 * longer desired are removed when they still hold the value recorded, and left with a line saying so otherwise.
 * Every other key of the file is kept as it is; the file is removed only when `createdByAgent` (or it does not
 * exist yet) and nothing is left in it. Pure and idempotent.
 */
export function planSsmAgentConfig(
  current: string | undefined,
  desired: SsmAgentKeys,
  owned: SsmAgentKeys,
  createdByAgent: boolean,
): SsmAgentConfigPlan {
  const stale = Object.keys(owned).filter((key) => !Object.hasOwn(desired, key));
  if (Object.keys(desired).length === 0 && stale.length === 0) {
    return { next: current ?? null, changes: [], changed: false, owned: {}, created: false };
  }
  const created = createdByAgent || current === undefined;
  const document = parseSsmAgentConfig(current);
  const changes: string[] = [];
  for (const [key, value] of Object.entries(desired)) {
    const before = read(document, key);
    if (before === value) continue;
    const section = sectionOf(document, key, true);
    if (section === undefined) {
      throw new UnreadableSsmAgentConfig(`${SSM_AGENT_CONFIG}: "${key.split(".")[0]}" is not a JSON object`);
    }
    section[fieldOf(key)] = value;
    changes.push(before === undefined ? `set ${key} to ${value}` : `changed ${key} to ${value}`);
  }
  const nextOwned: SsmAgentKeys = { ...desired };
  for (const key of stale) {
    const before = read(document, key);
    if (before === undefined) continue;
    if (before !== owned[key]) {
      changes.push(`left ${key} as it is: it was changed after this agent set it`);
      continue;
    }
    const section = sectionOf(document, key, false);
    if (section === undefined) continue;
    delete section[fieldOf(key)];
    if (Object.keys(section).length === 0) delete document[key.split(".")[0] as string];
    changes.push(`removed ${key} (no longer configured)`);
  }
  const removesAll = created && Object.keys(document).length === 0 && Object.keys(desired).length === 0;
  const next = removesAll ? null : `${JSON.stringify(document, null, 2)}\n`;
  const changed = removesAll ? current !== undefined : next !== current;
  return { next, changes, changed, owned: nextOwned, created: created && next !== null };
}

/**
 * The keys `planSsmAgentConfig` would set or remove, without the rewrite: desired keys the file lacks or holds
 * another value for, and recorded keys no longer desired that still hold the value recorded. How the file is
 * formatted is not drift.
 */
export function ssmAgentConfigDrift(
  current: string | undefined,
  desired: SsmAgentKeys,
  owned: SsmAgentKeys,
): { missing: string[]; stale: string[] } {
  const document = parseSsmAgentConfig(current);
  return {
    missing: Object.keys(desired).filter((key) => read(document, key) !== desired[key]),
    stale: Object.keys(owned).filter(
      (key) => !Object.hasOwn(desired, key) && read(document, key) === owned[key],
    ),
  };
}

/** The file's object (a copy; empty when there is no file); UnreadableSsmAgentConfig when it is not one. */
function parseSsmAgentConfig(current: string | undefined): Record<string, unknown> {
  if (current === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(current);
  } catch {
    throw new UnreadableSsmAgentConfig(`${SSM_AGENT_CONFIG} is not valid JSON`);
  }
  if (!isPlainObject(parsed)) throw new UnreadableSsmAgentConfig(`${SSM_AGENT_CONFIG} is not a JSON object`);
  return structuredClone(parsed) as Record<string, unknown>;
}

function read(document: Record<string, unknown>, key: string): unknown {
  const section = document[key.split(".")[0] as string];
  return isPlainObject(section) ? section[fieldOf(key)] : undefined;
}

function fieldOf(key: string): string {
  return key.split(".")[1] as string;
}

/** The section object of `key`; created when asked; undefined when something else than an object is there. */
function sectionOf(
  document: Record<string, unknown>,
  key: string,
  create: boolean,
): Record<string, unknown> | undefined {
  const name = key.split(".")[0] as string;
  const section = document[name];
  if (section === undefined && create) {
    const made: Record<string, unknown> = {};
    document[name] = made;
    return made;
  }
  return isPlainObject(section) ? (section as Record<string, unknown>) : undefined;
}

/**
 * What this agent set for the endpoints, per file: the SSM agent's keys ("Ssm.Endpoint": URL) and ecs.config's
 * (ECS_BACKEND_HOST). Never a secret.
 */
export interface EndpointRecord {
  ssmAgent: SsmAgentKeys;
  /** This agent created the SSM agent's file (there was none): it may remove it once it holds nothing else. */
  ssmAgentCreated: boolean;
  ecsConfig: Record<string, string>;
}

/** The record of an earlier run; a missing or unreadable one is empty (files are then only added to). */
export async function readEndpointRecord(fs: HostFs): Promise<EndpointRecord> {
  const text = await fs.readText(ENDPOINT_RECORD);
  const strings = (value: unknown): Record<string, string> =>
    isPlainObject(value)
      ? Object.fromEntries(
          Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
        )
      : {};
  const empty: EndpointRecord = { ssmAgent: {}, ssmAgentCreated: false, ecsConfig: {} };
  if (text === undefined) return empty;
  try {
    const parsed = JSON.parse(text) as { ssmAgent?: unknown; ssmAgentCreated?: unknown; ecsConfig?: unknown };
    return {
      ssmAgent: strings(parsed.ssmAgent),
      ssmAgentCreated: parsed.ssmAgentCreated === true,
      ecsConfig: strings(parsed.ecsConfig),
    };
  } catch {
    return empty;
  }
}

/** Writes the record (0600), or removes it when it holds nothing. */
export async function writeEndpointRecord(fs: HostFs, record: EndpointRecord): Promise<void> {
  if (Object.keys(record.ssmAgent).length === 0 && Object.keys(record.ecsConfig).length === 0) {
    await fs.remove(ENDPOINT_RECORD);
    return;
  }
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  await fs.writeFileAtomic(ENDPOINT_RECORD, `${JSON.stringify({ version: 1, ...record }, null, 2)}\n`, {
    mode: 0o600,
  });
}

export interface ObservedSsmAgentConfig {
  /** The file's text; undefined when there is none. */
  text: string | undefined;
  /** Its permission bits, kept when it is rewritten. */
  mode: number | undefined;
}

export async function observeSsmAgentConfig(fs: HostFs): Promise<ObservedSsmAgentConfig> {
  const file = await fs.readInputFile(SSM_AGENT_CONFIG);
  return { text: file?.bytes.toString("utf8"), mode: file?.mode };
}

/**
 * Applies a plan: the record first grows to cover both the old and the new keys (a run killed in between still
 * knows every key it may have written), then the file is replaced atomically (or removed), then the record
 * shrinks to what the file now holds. `record` is updated in place.
 */
export async function applySsmAgentConfig(
  fs: HostFs,
  plan: SsmAgentConfigPlan,
  observed: ObservedSsmAgentConfig,
  record: EndpointRecord,
): Promise<void> {
  await writeEndpointRecord(fs, {
    ...record,
    ssmAgent: { ...record.ssmAgent, ...plan.owned },
    ssmAgentCreated: record.ssmAgentCreated || plan.created,
  });
  if (plan.next === null) await fs.remove(SSM_AGENT_CONFIG);
  else {
    await fs.mkdir(path.dirname(SSM_AGENT_CONFIG), 0o755);
    await fs.writeFileAtomic(SSM_AGENT_CONFIG, plan.next, {
      mode: observed.mode ?? 0o644,
      regularOnly: true,
    });
  }
  record.ssmAgent = plan.owned;
  record.ssmAgentCreated = plan.created;
  await writeEndpointRecord(fs, record);
}
