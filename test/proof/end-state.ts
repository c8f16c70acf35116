// What a converged run leaves (the emulator's account, the fake host), without what differs between any two runs
// (ids, ARNs, times), and how two such states differ: the crash and fault suites compare a run with a reference.
import { AGENT_STATE } from "../../src/components/agent-state/paths.ts";
import type { EmulatorState } from "../emulator/types.ts";
import type { World } from "../flows/register/harness.ts";

/** What a converged run leaves, without what differs between any two runs (ids, ARNs, times). */
export interface EndState {
  cloud: {
    roles: Record<string, unknown>;
    clusters: Record<string, string>;
    containerInstances: string[];
    managedInstances: number;
    activations: number;
  };
  host?: Record<string, unknown>;
}

/** The account as a converged run leaves it, without ids, ARNs and times. */
export function cloudState(state: EmulatorState): EndState["cloud"] {
  const roles = Object.fromEntries(
    Object.values(state.roles)
      .sort((a, b) => a.roleName.localeCompare(b.roleName))
      .map((role) => [
        role.roleName,
        {
          path: role.path,
          trust: JSON.parse(role.assumeRolePolicyDocument),
          attached: [...role.attachedPolicyArns].sort(),
          inline: Object.fromEntries(
            Object.entries(role.inlinePolicies)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([name, doc]) => [name, JSON.parse(doc)]),
          ),
          tags: role.tags,
          boundary: role.permissionsBoundaryArn ?? null,
        },
      ]),
  );
  const clusters = Object.fromEntries(
    Object.values(state.clusters).map((cluster) => [
      `${cluster.region}/${cluster.clusterName}`,
      cluster.status,
    ]),
  );
  const containerInstances = Object.values(state.containerInstances)
    .map((instance) => `${instance.clusterArn.split("/").pop()}:${instance.status}`)
    .sort();
  return {
    roles,
    clusters,
    containerInstances,
    managedInstances: Object.keys(state.managedInstances).length,
    activations: Object.keys(state.activations).length,
  };
}

/** The fake host as a converged run leaves it, without ids and times. */
export function hostState(world: World, state: EmulatorState): Record<string, unknown> {
  const { host } = world;
  const read = (path: string) => (host.exists(path) ? host.readFile(path) : null);
  const agentState = read(AGENT_STATE.state);
  const saved = agentState === null ? null : (JSON.parse(agentState) as Record<string, unknown>);
  const arn = host.introspection()?.ContainerInstanceArn ?? null;
  return {
    ecsConfig: read("/etc/ecs/ecs.config"),
    ecsConfigLib: read("/var/lib/ecs/ecs.config"),
    units: { ecs: host.unitState("ecs"), ssm: host.unitState("amazon-ssm-agent") },
    installed: {
      ecsInit: host.exists("/usr/libexec/amazon-ecs-init"),
      ssmAgent: host.exists("/usr/bin/amazon-ssm-agent"),
    },
    agentDb: host.exists("/var/lib/ecs/data/agent.db"),
    ssmRegistered: /"instanceID":\s*"mi-/.test(read("/var/lib/amazon/ssm/Vault/Store/RegistrationKey") ?? ""),
    // The agent's container instance is the one ECS holds ACTIVE (not a second one).
    agentArnActive: arn === null ? null : state.containerInstances[arn]?.status === "ACTIVE",
    state:
      saved === null
        ? null
        : {
            cluster: saved.cluster ?? null,
            region: saved.region ?? null,
            containerInstanceArn: typeof saved.containerInstanceArn === "string",
            managedInstanceId: typeof saved.managedInstanceId === "string",
            pendingActivationId: saved.pendingActivationId ?? null,
          },
  };
}

/** JSON with every object's keys sorted: equal values give equal text whatever order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
      : item,
  );
}

/** Where `actual` differs from `expected`, one line per top-level field. */
export function differences(expected: EndState, actual: EndState): string[] {
  const out: string[] = [];
  const compare = (path: string, a: unknown, b: unknown) => {
    if (canonical(a) !== canonical(b)) out.push(`${path}: expected ${canonical(a)}, got ${canonical(b)}`);
  };
  for (const key of Object.keys(expected.cloud) as (keyof EndState["cloud"])[]) {
    compare(`cloud.${key}`, expected.cloud[key], actual.cloud[key]);
  }
  for (const key of Object.keys(expected.host ?? {})) {
    compare(`host.${key}`, expected.host?.[key], actual.host?.[key]);
  }
  return out;
}
