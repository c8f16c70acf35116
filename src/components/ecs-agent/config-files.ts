import type { HostFs } from "../../adapters/host/fs.ts";
import type { Config } from "../../config/schema.ts";
import {
  desiredEcsConfig,
  KEY_PATTERN,
  maskValue,
  mergeEcsConfig,
  parseEcsConfig,
  secretOf,
  validateEcsConfigValues,
} from "../../ecsconfig/index.ts";
import { UsageError } from "../../errors.ts";
import { MASK, type Redactor } from "../../util/redact.ts";
import { proxyEcsConfigKeys } from "../proxy/render.ts";
import type { ProxySettings } from "../proxy/settings.ts";
import { ECS_AGENT } from "./files.ts";

/** The keys the agent manages in /etc/ecs/ecs.config for this config (its cluster), region and proxy. */
export function desiredKeys(
  config: Config,
  region: string,
  proxy?: ProxySettings | undefined,
): Record<string, string> {
  const { host } = config;
  return desiredEcsConfig({
    cluster: config.cluster,
    region,
    logLevel: host.ecsLogLevel,
    instanceTags: host.instanceTags,
    instanceAttributes: host.instanceAttributes,
    ...(host.enableGpu ? { enableGpu: true } : {}),
    ...(host.reservedMemoryMiB === undefined ? {} : { reservedMemoryMiB: host.reservedMemoryMiB }),
    ...(proxy === undefined ? {} : { proxy: proxyEcsConfigKeys(proxy) }),
    // field notes §10.9, §3.1: the ECS endpoint in the file that wins, so it also reaches a host whose ecs-init
    // was installed before (the install script writes --ecs-endpoint only when it installs ecs-init).
    extra: config.endpoints.ecs
      ? { ...config.ecsConfig, ECS_BACKEND_HOST: config.endpoints.ecs }
      : config.ecsConfig,
  });
}

export interface FilePlan {
  path: string;
  current: string | undefined;
  next: string;
  changes: string[];
  changed: boolean;
}

/**
 * Plans both ecs.config files (field notes §3): /etc/ecs/ecs.config gets the desired keys merged into what is there;
 * /var/lib/ecs/ecs.config, which the install script appends to, is only normalised. Values that would make the
 * agent restart-loop (invalid JSON tags, ...) are bad input: exit 2 before anything is written.
 */
export function planEcsConfigFiles(
  desired: Record<string, string>,
  current: { etc: string | undefined; lib: string | undefined },
  redactor: Redactor,
  /** Keys to take out of /etc/ecs/ecs.config (the proxy's, once it is no longer configured). */
  absent: readonly string[] = [],
): FilePlan[] {
  // Secrets the files hold already are known too, so no message about them can show them.
  for (const [key, value] of Object.entries(desired)) redactor.add(secretOf(key, value));
  for (const text of [current.etc, current.lib]) {
    for (const [key, value] of parseEcsConfig(text ?? "").values)
      redactor.add(secretOf(key.trim(), value.trim()));
  }
  const etc = mergeEcsConfig(current.etc ?? "", desired, absent);
  const problems = validateEcsConfigValues(parseEcsConfig(etc.text).values);
  if (problems.length > 0) {
    throw new UsageError(`ecs.config: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  }
  const plans: FilePlan[] = [
    {
      path: ECS_AGENT.config,
      current: current.etc,
      next: etc.text,
      changes: etc.changes,
      changed: etc.text !== current.etc,
    },
  ];
  if (current.lib !== undefined) {
    const lib = mergeEcsConfig(current.lib, {});
    plans.push({
      path: ECS_AGENT.configLib,
      current: current.lib,
      next: lib.text,
      changes: lib.changes,
      changed: lib.text !== current.lib,
    });
  }
  return plans;
}

/** Refuses desired ecs.config values the agent would restart-loop on (exit 2), reading only the current file. */
export async function checkEcsConfigInput(
  fs: HostFs,
  desired: Record<string, string>,
  redactor: Redactor,
): Promise<void> {
  planEcsConfigFiles(desired, { etc: await fs.readText(ECS_AGENT.config), lib: undefined }, redactor);
}

/**
 * Writes the planned files atomically, mode 0600 (registry credentials may live there); true if any changed.
 * A file that holds a secret (ECS_ENGINE_AUTH_DATA, a proxy password) also gets a folder only root can enter
 * (0700): its name, its backups' names and their sizes are nobody else's business either.
 */
export async function applyEcsConfigFiles(fs: HostFs, plans: FilePlan[]): Promise<boolean> {
  let changed = false;
  for (const plan of plans.filter((p) => p.changed)) {
    const folder = plan.path.slice(0, plan.path.lastIndexOf("/"));
    const secret = holdsSecret(plan.next);
    await fs.mkdir(folder, secret ? 0o700 : 0o755);
    if (secret) await fs.restrictFolder(folder, 0o700);
    changed = (await fs.writeFileAtomic(plan.path, plan.next, { mode: 0o600, backup: true })) || changed;
  }
  return changed;
}

function holdsSecret(text: string): boolean {
  return [...parseEcsConfig(text).values].some(
    ([key, value]) => secretOf(key.trim(), value.trim()) !== undefined,
  );
}

/**
 * A unified-style diff of a planned file for --dry-run. Secrets are masked by the key's meaning (and proxy URL
 * passwords by shape), so a credential only the current file holds (one being replaced or removed) is hidden
 * too, not just the ones the redactor knows. Comments and other text that is not a setting are never echoed.
 */
export function diffFile(plan: FilePlan, redactor: Redactor): string[] {
  const numbered = (text: string) =>
    text
      .split("\n")
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => line.trim() !== "");
  const before = numbered(plan.current ?? "");
  const after = numbered(plan.next);
  const beforeLines = new Set(before.map(({ line }) => line));
  const afterLines = new Set(after.map(({ line }) => line));
  const lines = [
    ...before.filter(({ line }) => !afterLines.has(line)).map((entry) => `- ${shownLine(entry)}`),
    ...after.filter(({ line }) => !beforeLines.has(line)).map((entry) => `+ ${shownLine(entry)}`),
  ];
  return lines.map((line) => redactor.scrub(line));
}

/** A setting line with its secret masked; anything else (a comment, stray text) only by its line number. */
function shownLine({ line, number }: { line: string; number: number }): string {
  const equals = line.indexOf("=");
  const key = equals < 0 ? "" : line.slice(0, equals).trim();
  if (!KEY_PATTERN.test(key))
    return `(line ${number}: a comment or other text that is not a setting, not shown)`;
  return `${line.slice(0, equals)}=${maskValue(key, line.slice(equals + 1), MASK)}`;
}
