import { controlPlaneProbe } from "./probes/control-plane.ts";
import { ecsAgentProbe, ecsConfigProbe } from "./probes/ecs-agent.ts";
import { clockSkewProbe, diskProbe, dockerProbe, shadowingProbe } from "./probes/host.ts";
import type { Probe } from "./probes/probe.ts";
import { proxyProbe } from "./probes/proxy.ts";
import { credentialsFreshProbe, ssmEndpointsProbe, ssmRegistrationProbe } from "./probes/ssm-agent.ts";
import { UNIT_PROBES } from "./probes/units.ts";

/** Every probe, in report order. */
export const PROBES: readonly Probe[] = [
  ecsAgentProbe,
  ...UNIT_PROBES,
  ssmRegistrationProbe,
  credentialsFreshProbe,
  dockerProbe,
  ecsConfigProbe,
  proxyProbe,
  ssmEndpointsProbe,
  clockSkewProbe,
  diskProbe,
  shadowingProbe,
  controlPlaneProbe,
];

export const PROBE_NAMES: readonly string[] = PROBES.map((probe) => probe.name);
