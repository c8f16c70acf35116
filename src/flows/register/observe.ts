import type { HostContext } from "../../app/host.ts";
import { type EcsAgentObservation, observeEcsAgent } from "../../components/ecs-agent/observe.ts";
import { observeSsmAgent } from "../../components/ssm-agent/registration.ts";

/** Everything `register` needs to know about the host, read from its components without changing anything. */
export interface HostObservation extends EcsAgentObservation {
  managedInstanceId: string | undefined;
  ssmRegistered: boolean;
}

export async function observeHost(host: Pick<HostContext, "fs" | "introspection">): Promise<HostObservation> {
  const [ecs, ssm] = await Promise.all([
    observeEcsAgent(host.fs, host.introspection),
    observeSsmAgent(host.fs),
  ]);
  return { ...ecs, managedInstanceId: ssm.managedInstanceId, ssmRegistered: ssm.registered };
}
