import type { HostFs } from "../../adapters/host/fs.ts";
import type { HostContext } from "../../app/host.ts";
import { type AgentState, readState } from "../../components/agent-state/state.ts";
import { observeSsmAgent, ssmUnit } from "../../components/ssm-agent/registration.ts";
import type { DeregisterObservation } from "./types.ts";

/**
 * What is registered, read without changing anything. The running agent is the local truth (field notes §2); the
 * state file only stands in when the agent is down. The mi- id comes from the SSM registration file, which
 * survives `-register -clear` (field notes §4), so a re-run can still check it against SSM.
 */
export async function observeForDeregister(
  host: Pick<HostContext, "fs" | "introspection" | "systemd" | "redactor">,
): Promise<DeregisterObservation> {
  const [metadata, state, ssm, unit] = await Promise.all([
    host.introspection.metadata(),
    readState(host.fs),
    observeSsmAgent(host.fs, host.redactor),
    ssmUnit(host.systemd),
  ]);
  const stateCluster = recorded(state, "cluster");
  const stateArn = recorded(state, "containerInstanceArn");
  const stateMi = recorded(state, "managedInstanceId");
  const stateRegion = recorded(state, "region");
  const containerInstance =
    metadata.state === "ok" && metadata.containerInstanceArn !== null
      ? {
          cluster: metadata.cluster,
          arn: metadata.containerInstanceArn,
          source: "the running agent" as const,
        }
      : stateArn && stateCluster
        ? { cluster: stateCluster, arn: stateArn, source: "the state file" as const }
        : undefined;
  const managedInstance = ssm.managedInstanceId
    ? { id: ssm.managedInstanceId, region: ssm.region ?? stateRegion }
    : stateMi
      ? { id: stateMi, region: stateRegion }
      : undefined;
  return { containerInstance, managedInstance, ssmUnit: unit };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region the host recorded: state.json, else the SSM registration file. The region of the AWS calls
 * when none is configured (flags/config win, as in register).
 */
export async function recordedRegion(fs: HostFs): Promise<string | undefined> {
  const [state, ssm] = await Promise.all([readState(fs), observeSsmAgent(fs)]);
  return [recorded(state, "region"), ssm.region].find(
    (region) => region !== undefined && REGION.test(region),
  );
}

/** `arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/abc` -> `eu-west-1`. */
export function arnRegion(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return arn.startsWith("arn:") && region ? region : undefined;
}

/** A field of the state file when it is a non-empty string: the file is only a report, and may be hand-edited. */
function recorded(state: AgentState | undefined, field: keyof AgentState): string | undefined {
  const value: unknown = state?.[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}
