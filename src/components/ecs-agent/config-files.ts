import type { HostFs } from "../../adapters/host/fs.ts";
import type { Config } from "../../config/schema.ts";
import {
  desiredEcsConfig,
  isSecretKey,
  mergeEcsConfig,
  parseEcsConfig,
  validateEcsConfigValues,
} from "../../ecsconfig/index.ts";
import { UsageError } from "../../errors.ts";
import { MASK, type Redactor } from "../../util/redact.ts";
import { ECS_AGENT } from "./files.ts";

/** The keys the agent manages in /etc/ecs/ecs.config for this config (its cluster) and region. */
export function desiredKeys(config: Config, region: string): Record<string, string> {
  const { host } = config;
  return desiredEcsConfig({
    cluster: config.cluster,
    region,
    logLevel: host.ecsLogLevel,
    instanceTags: host.instanceTags,
    instanceAttributes: host.instanceAttributes,
    ...(host.enableGpu ? { enableGpu: true } : {}),
    ...(host.reservedMemoryMiB === undefined ? {} : { reservedMemoryMiB: host.reservedMemoryMiB }),
    extra: config.ecsConfig,
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
): FilePlan[] {
  for (const [key, value] of Object.entries(desired)) if (isSecretKey(key)) redactor.add(value);
  const etc = mergeEcsConfig(current.etc ?? "", desired);
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

/** Writes the planned files atomically, mode 0600 (registry credentials may live there); true if any changed. */
export async function applyEcsConfigFiles(fs: HostFs, plans: FilePlan[]): Promise<boolean> {
  let changed = false;
  for (const plan of plans.filter((p) => p.changed)) {
    await fs.mkdir(plan.path.slice(0, plan.path.lastIndexOf("/")), 0o755);
    changed = (await fs.writeFileAtomic(plan.path, plan.next, { mode: 0o600, backup: true })) || changed;
  }
  return changed;
}

/**
 * A unified-style diff of a planned file for --dry-run. Secret keys are masked by name, so a credential only
 * the current file holds (one being replaced or removed) is hidden too, not just the ones the redactor knows.
 */
export function diffFile(plan: FilePlan, redactor: Redactor): string[] {
  const before = (plan.current ?? "").split("\n").filter((line) => line !== "");
  const after = plan.next.split("\n").filter((line) => line !== "");
  const lines = [
    ...before.filter((line) => !after.includes(line)).map((line) => `- ${maskSecretLine(line)}`),
    ...after.filter((line) => !before.includes(line)).map((line) => `+ ${maskSecretLine(line)}`),
  ];
  return lines.map((line) => redactor.scrub(line));
}

function maskSecretLine(line: string): string {
  const equals = line.indexOf("=");
  return equals >= 0 && isSecretKey(line.slice(0, equals).trim()) ? `${line.slice(0, equals)}=${MASK}` : line;
}
