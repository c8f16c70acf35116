import type { HostFs } from "../../adapters/host/fs.ts";
import {
  type AgentMetadata,
  clusterName,
  type IntrospectionClient,
} from "../../adapters/host/introspection.ts";
import { parseEcsConfig } from "../../ecsconfig/index.ts";
import { PATHS } from "../agent-state/paths.ts";

// facts §4: managed instance ids of hybrid nodes.
const MANAGED_INSTANCE_ID = /^mi-[0-9a-f]{17}$/;

/** Everything `register` needs to know about the host, read without changing anything. */
export interface HostObservation {
  metadata: AgentMetadata;
  /** The cluster ecs-init would use: /etc/ecs/ecs.config beats /var/lib/ecs/ecs.config (facts §3). */
  configuredCluster: string | undefined;
  ecsConfigText: string | undefined;
  ecsConfigLibText: string | undefined;
  managedInstanceId: string | undefined;
  ssmRegistered: boolean;
  ecsInitInstalled: boolean;
  agentDbPresent: boolean;
}

export async function observeHost(fs: HostFs, introspection: IntrospectionClient): Promise<HostObservation> {
  const [metadata, ecsConfigText, ecsConfigLibText, managedInstanceId, registrationKey, ecsInit, agentDb] =
    await Promise.all([
      introspection.metadata(),
      fs.readText(PATHS.ecsConfig),
      fs.readText(PATHS.ecsConfigLib),
      readManagedInstanceId(fs),
      fs.readText(PATHS.ssmRegistrationKey),
      fs.exists(PATHS.ecsInit),
      fs.exists(PATHS.agentDb),
    ]);
  const cluster =
    parseEcsConfig(ecsConfigText ?? "").values.get("ECS_CLUSTER") ??
    parseEcsConfig(ecsConfigLibText ?? "").values.get("ECS_CLUSTER");
  return {
    metadata,
    configuredCluster: cluster,
    ecsConfigText,
    ecsConfigLibText,
    managedInstanceId,
    // facts §1: the install script registers SSM only when RegistrationKey has no instanceID.
    ssmRegistered: readJsonField(registrationKey, "instanceID") !== undefined,
    ecsInitInstalled: ecsInit,
    agentDbPresent: agentDb,
  };
}

/** The mi- id in the SSM agent's registration file, when it holds a valid one. */
export async function readManagedInstanceId(fs: HostFs): Promise<string | undefined> {
  const id = readJsonField(await fs.readText(PATHS.ssmRegistration), "ManagedInstanceID");
  return id && MANAGED_INSTANCE_ID.test(id) ? id : undefined;
}

/** The cluster this host is registered to, when the running agent says it has registered. */
export function registeredCluster(observed: HostObservation): string | undefined {
  const { metadata } = observed;
  if (metadata.state !== "ok" || metadata.containerInstanceArn === null) return undefined;
  return clusterName(metadata.cluster);
}

function readJsonField(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[field];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}
