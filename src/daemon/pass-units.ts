import type { Systemd, UnitState } from "../adapters/host/systemd.ts";
import { DOCKER } from "../components/docker/files.ts";
import { ECS_AGENT } from "../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../components/ssm-agent/files.ts";

/** What the unit probes ask of systemd. */
export type UnitView = Pick<Systemd, "isActive" | "isLoaded">;

/** The units a pass looks at: the ECS agent, the SSM agent (deb/rpm and snap), Docker. */
export const PROBED_UNITS: readonly string[] = [
  ECS_AGENT.unit,
  SSM_AGENT.unit,
  SSM_AGENT.snapUnit,
  DOCKER.unit,
];

/**
 * One pass's view of the probed units: the first question reads all of them with one `systemctl show`, the rest
 * answer from it (a pass every 15 s would otherwise fork systemctl four times). Should that call fail, each
 * question falls back to its own systemctl call, which reports the failure as it always has.
 */
export function passUnits(systemd: Systemd): UnitView {
  let read: Promise<Map<string, UnitState> | undefined> | undefined;
  const stateOf = async (unit: string) => {
    read ??= systemd.states(PROBED_UNITS).catch(() => undefined);
    return (await read)?.get(unit);
  };
  return {
    isActive: async (unit) => (await stateOf(unit))?.active ?? systemd.isActive(unit),
    isLoaded: async (unit) => (await stateOf(unit))?.loaded ?? systemd.isLoaded(unit),
  };
}
