import { type HostObservation, registeredCluster } from "../../components/ecs-agent/observe.ts";
import { OperationError } from "../../errors.ts";
import type { Mode } from "./types.ts";

export function chooseMode(observed: HostObservation, cluster: string, move: boolean): Mode {
  const registered = registeredCluster(observed);
  // A stopped agent whose agent.db holds another cluster counts as registered there (facts §2: exit 5 loop).
  const elsewhere =
    registered ??
    (observed.agentDbPresent && observed.configuredCluster !== undefined
      ? observed.configuredCluster
      : undefined);
  if (elsewhere === undefined) return "fresh";
  if (elsewhere === cluster) return registered === cluster ? "already-registered" : "fresh";
  if (!move) {
    throw new OperationError(
      `this host is registered to cluster ${elsewhere}, not ${cluster}; refusing to move it`,
      {
        remediation: `re-run with --move to deregister it from ${elsewhere} and register it in ${cluster}`,
      },
    );
  }
  return "move";
}
