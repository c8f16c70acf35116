import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { clearRegistration, observeSsmAgent } from "../../components/ssm-agent/registration.ts";
import type { DeregisterStep } from "./types.ts";

export const stopEcsAction: DeregisterStep = {
  id: "stop-ecs",
  async plan({ host }) {
    if (!(await host.systemd.isActive(ECS_AGENT.unit)))
      return { status: "ok", summary: "ecs is not running" };
    return {
      summary: "stop ecs",
      apply: async () => {
        await host.systemd.stop(ECS_AGENT.unit);
        return { summary: "stopped ecs" };
      },
    };
  },
};

/** field notes §2: without agent.db the next start registers afresh instead of reusing the deregistered ARN. */
export const removeAgentStateAction: DeregisterStep = {
  id: "remove-agent-state",
  async plan({ host }) {
    if (!(await host.fs.exists(ECS_AGENT.agentDb))) {
      return { status: "ok", summary: `${ECS_AGENT.agentDb} is already gone` };
    }
    return {
      summary: `remove ${ECS_AGENT.agentDb}`,
      apply: async () => {
        await host.fs.remove(ECS_AGENT.agentDb);
        return { summary: `removed ${ECS_AGENT.agentDb}` };
      },
    };
  },
};

/** field notes §4: `-register -clear` removes the registration key and keeps /var/lib/amazon/ssm/registration. */
export const clearSsmRegistrationAction: DeregisterStep = {
  id: "clear-ssm-registration",
  async plan({ host, observed }) {
    const unit = observed.ssmUnit;
    const [registered, running] = await Promise.all([
      observeSsmAgent(host.fs, host.redactor).then((ssm) => ssm.registered),
      host.systemd.isActive(unit),
    ]);
    if (!registered && !running) {
      return { status: "ok", summary: `no SSM registration key; ${unit} is not running` };
    }
    const steps = [
      ...(registered ? ["amazon-ssm-agent -register -clear"] : []),
      ...(running ? [`stop ${unit}`] : []),
    ];
    return {
      summary: steps.join(", then "),
      apply: async () => {
        if (registered) await clearRegistration(host, unit);
        await host.systemd.stop(unit);
        return {
          summary: registered ? `cleared the SSM registration key; stopped ${unit}` : `stopped ${unit}`,
        };
      },
    };
  },
};
