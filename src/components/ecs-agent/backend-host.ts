// ECS_BACKEND_HOST set from endpoints.ecs (field notes §10.9): /etc/ecs/ecs.config gets it as a managed key, and the
// install script writes it to /var/lib/ecs/ecs.config when it installs ecs-init. Once endpoints.ecs leaves the
// config, the value this agent recorded is removed from both files (a value someone changed since is left), so the
// ECS agent goes back to the public endpoint (and to its own FIPS choice, field notes §10.11).
import { mergeEcsConfig, parseEcsConfig } from "../../ecsconfig/index.ts";
import type { FilePlan } from "./config-files.ts";
import { ECS_AGENT } from "./files.ts";

export const BACKEND_HOST = "ECS_BACKEND_HOST";

export interface BackendHostRemoval {
  /** The files to rewrite, without the key. */
  plans: FilePlan[];
  changes: string[];
}

/**
 * What removing the recorded ECS_BACKEND_HOST takes: nothing while endpoints.ecs is set or nothing was recorded.
 * Pure; the files come back normalised (as the normalize step would leave them) without the key.
 */
export function planBackendHostRemoval(
  files: { etc: string | undefined; lib: string | undefined },
  recorded: string | undefined,
  configured: string | undefined,
): BackendHostRemoval {
  const plans: FilePlan[] = [];
  const changes: string[] = [];
  if (configured !== undefined || recorded === undefined) return { plans, changes };
  for (const [path, text] of [
    [ECS_AGENT.config, files.etc],
    [ECS_AGENT.configLib, files.lib],
  ] as const) {
    if (text === undefined) continue;
    const value = parseEcsConfig(text).values.get(BACKEND_HOST);
    if (value === undefined) continue;
    if (value.trim() !== recorded) {
      changes.push(`left ${BACKEND_HOST} in ${path}: it was changed after this agent set it`);
      continue;
    }
    const normal = mergeEcsConfig(text, {}).text;
    const next = normal
      .split("\n")
      .filter((line) => !line.startsWith(`${BACKEND_HOST}=`))
      .join("\n");
    plans.push({ path, current: text, next, changes: [`- ${BACKEND_HOST}=${value.trim()}`], changed: true });
    changes.push(`removed ${BACKEND_HOST} from ${path} (endpoints.ecs is no longer set)`);
  }
  return { plans, changes };
}
