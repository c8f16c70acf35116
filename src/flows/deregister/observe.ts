import type { HostFs } from "../../adapters/host/fs.ts";
import type { HostContext } from "../../app/host.ts";
import { PATHS } from "../../components/agent-state/paths.ts";
import { type AgentState, readState } from "../../components/agent-state/state.ts";
import { observeHost } from "../../components/ecs-agent/observe.ts";
import type { DeregisterObservation } from "./types.ts";

/**
 * What is registered, read without changing anything. The running agent is the local truth (facts §2); the
 * state file only stands in when the agent is down. The mi- id comes from the SSM registration file, which
 * survives `-register -clear` (facts §4), so a re-run can still check it against SSM.
 */
export async function observeForDeregister(
  host: Pick<HostContext, "fs" | "introspection" | "systemd">,
): Promise<DeregisterObservation> {
  const [observed, state, registration, ssmUnit] = await Promise.all([
    observeHost(host.fs, host.introspection),
    readState(host.fs),
    host.fs.readText(PATHS.ssmRegistration),
    host.systemd.ssmUnitName(),
  ]);
  const { metadata } = observed;
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
  const managedInstance = observed.managedInstanceId
    ? { id: observed.managedInstanceId, region: registrationRegion(registration) ?? stateRegion }
    : stateMi
      ? { id: stateMi, region: stateRegion }
      : undefined;
  return { containerInstance, managedInstance, ssmUnit };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * The region the host recorded: state.json, else the SSM registration file. The region of the AWS calls
 * when none is configured (flags/config win, as in register).
 */
export async function recordedRegion(fs: HostFs): Promise<string | undefined> {
  const [state, registration] = await Promise.all([readState(fs), fs.readText(PATHS.ssmRegistration)]);
  return [recorded(state, "region"), registrationRegion(registration)].find(
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

function registrationRegion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const region = (JSON.parse(text) as { Region?: unknown }).Region;
    return typeof region === "string" && region !== "" ? region : undefined;
  } catch {
    return undefined;
  }
}
