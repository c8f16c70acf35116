import type { HostFs } from "../../adapters/host/fs.ts";
import {
  type AgentMetadata,
  clusterName,
  type IntrospectionClient,
} from "../../adapters/host/introspection.ts";
import { parseEcsConfig } from "../../ecsconfig/index.ts";
import { DEFAULT_CLUSTER, ECS_AGENT, ECS_CONFIG_FILES } from "./files.ts";

/** The ECS agent as the host shows it, read without changing anything. */
export interface EcsAgentObservation {
  metadata: AgentMetadata;
  /** ECS_CLUSTER as ecs-init would read it (field notes §3), undefined when neither file sets it. */
  configuredCluster: string | undefined;
  ecsConfigText: string | undefined;
  ecsConfigLibText: string | undefined;
  ecsInitInstalled: boolean;
  agentDbPresent: boolean;
}

export async function observeEcsAgent(
  fs: HostFs,
  introspection: IntrospectionClient,
): Promise<EcsAgentObservation> {
  const [metadata, ecsConfigText, ecsConfigLibText, ecsInitInstalled, agentDbPresent] = await Promise.all([
    introspection.metadata(),
    fs.readText(ECS_AGENT.config),
    fs.readText(ECS_AGENT.configLib),
    fs.exists(ECS_AGENT.ecsInit),
    fs.exists(ECS_AGENT.agentDb),
  ]);
  return {
    metadata,
    configuredCluster:
      parseEcsConfig(ecsConfigText ?? "").values.get("ECS_CLUSTER") ??
      parseEcsConfig(ecsConfigLibText ?? "").values.get("ECS_CLUSTER"),
    ecsConfigText,
    ecsConfigLibText,
    ecsInitInstalled,
    agentDbPresent,
  };
}

/** The cluster this host is registered to, when the running agent says it has registered. */
export function registeredCluster(observed: Pick<EcsAgentObservation, "metadata">): string | undefined {
  const { metadata } = observed;
  if (metadata.state !== "ok" || metadata.containerInstanceArn === null) return undefined;
  return clusterName(metadata.cluster);
}

/** Where this host belongs according to the ECS agent, and what said so. */
export interface Membership {
  cluster: string;
  source: string;
  /** The running agent confirmed it (it answers with a container instance ARN). */
  confirmed: boolean;
}

/**
 * The one rule for "which cluster does this host belong to": the running agent when it has registered;
 * else, while agent.db exists, the cluster ecs-init would start it in (field notes §2: a saved cluster that
 * differs makes it exit 5 in a loop). Undefined when the host has never registered.
 */
export function membership(observed: EcsAgentObservation): Membership | undefined {
  const running = registeredCluster(observed);
  if (running !== undefined) return { cluster: running, source: "the running ECS agent", confirmed: true };
  if (!observed.agentDbPresent) return undefined;
  const configured = observed.configuredCluster;
  const file = parseEcsConfig(observed.ecsConfigText ?? "").values.has("ECS_CLUSTER")
    ? ECS_AGENT.config
    : ECS_AGENT.configLib;
  return {
    cluster: clusterName(configured || DEFAULT_CLUSTER),
    source: `${configured ? file : "the ECS default"}; the agent is not answering to confirm it`,
    confirmed: false,
  };
}

/** The effective ecs.config values, each with the file that set it last (field notes §3). */
export async function readEcsConfigFiles(
  fs: HostFs,
): Promise<Map<string, { name: string; value: string; file: string }>> {
  const values = new Map<string, { name: string; value: string; file: string }>();
  for (const file of ECS_CONFIG_FILES) {
    const text = await fs.readText(file);
    if (text === undefined) continue;
    for (const [name, value] of parseEcsConfig(text).values) values.set(name, { name, value, file });
  }
  return values;
}
