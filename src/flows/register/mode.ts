import { membership } from "../../components/ecs-agent/observe.ts";
import { OperationError } from "../../errors.ts";
import type { HostObservation } from "./observe.ts";
import type { Mode } from "./types.ts";

/** fresh (join), already-registered (nothing to move) or move, by the ECS agent's one membership rule. */
export function chooseMode(observed: HostObservation, cluster: string, move: boolean): Mode {
  const member = membership(observed);
  if (member === undefined) return "fresh";
  if (member.cluster === cluster) return member.confirmed ? "already-registered" : "fresh";
  if (!move) {
    throw new OperationError(
      `this host is registered to cluster ${member.cluster}, not ${cluster}; refusing to move it`,
      {
        remediation: `re-run with --move to deregister it from ${member.cluster} and register it in ${cluster}`,
      },
    );
  }
  return "move";
}
