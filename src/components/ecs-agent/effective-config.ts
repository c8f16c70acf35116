import { parseEcsConfig } from "../../ecsconfig/index.ts";
import type { FilePlan } from "./config-files.ts";
import { ECS_AGENT } from "./files.ts";

/**
 * Whether the values ecs-init reads (field notes §3.1: /var/lib/ecs/ecs.config, then /etc/ecs/ecs.config on top;
 * §3.2: the last duplicate wins) differ between the files as they were and as planned.
 */
export function effectiveValuesDiffer(
  before: { etc: string | undefined; lib: string | undefined },
  plans: readonly FilePlan[],
): boolean {
  const planned = (path: string) => plans.find((plan) => plan.path === path)?.next;
  const was = effectiveValues(before.lib, before.etc);
  const will = effectiveValues(
    planned(ECS_AGENT.configLib) ?? before.lib,
    planned(ECS_AGENT.config) ?? before.etc,
  );
  return was.size !== will.size || [...will].some(([key, value]) => was.get(key) !== value);
}

function effectiveValues(lib: string | undefined, etc: string | undefined): Map<string, string> {
  return new Map([...parseEcsConfig(lib ?? "").values, ...parseEcsConfig(etc ?? "").values]);
}
