import { DOCKER } from "../../components/docker/files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { failed, ok, type Probe, type ProbeContext, type UnitRole } from "./probe.ts";

/** The ECS agent's, the SSM agent's (the snap unit when installed) and Docker's units are active. */
export const UNIT_PROBES: readonly Probe[] = [
  unitProbe("ecs-unit", "ecs", async () => ECS_AGENT.unit),
  unitProbe("ssm-unit", "ssm-agent", (ctx) => ssmUnit(ctx.systemd)),
  unitProbe("docker-unit", "docker", async () => DOCKER.unit),
];

function unitProbe(name: string, role: UnitRole, unitOf: (ctx: ProbeContext) => Promise<string>): Probe {
  return {
    name,
    critical: true,
    async run(ctx) {
      const unit = await unitOf(ctx);
      if (await ctx.systemd.isActive(unit)) return ok(`${unit} is active`);
      ctx.facts.inactiveUnits.push({ role, unit });
      return failed(
        `${unit} is not active`,
        `see \`systemctl status ${unit}\` and \`journalctl -u ${unit}\``,
      );
    },
  };
}
