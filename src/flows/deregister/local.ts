import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { clearRegistration, observeSsmAgent } from "../../components/ssm-agent/registration.ts";
import type { Action } from "./types.ts";

export const stopEcsAction: Action = {
  name: "stop-ecs",
  async plan({ host }) {
    if (!(await host.systemd.isActive(ECS_AGENT.unit)))
      return { status: "not-needed", message: "ecs is not running" };
    return {
      status: "needed",
      message: "stop ecs",
      apply: async () => {
        await host.systemd.stop(ECS_AGENT.unit);
        return { status: "done", message: "stopped ecs" };
      },
    };
  },
};

/** facts §2: without agent.db the next start registers afresh instead of reusing the deregistered ARN. */
export const removeAgentStateAction: Action = {
  name: "remove-agent-state",
  async plan({ host }) {
    if (!(await host.fs.exists(ECS_AGENT.agentDb))) {
      return { status: "not-needed", message: `${ECS_AGENT.agentDb} is already gone` };
    }
    return {
      status: "needed",
      message: `remove ${ECS_AGENT.agentDb}`,
      apply: async () => {
        await host.fs.remove(ECS_AGENT.agentDb);
        return { status: "done", message: `removed ${ECS_AGENT.agentDb}` };
      },
    };
  },
};

/** facts §4: `-register -clear` removes the registration key and keeps /var/lib/amazon/ssm/registration. */
export const clearSsmRegistrationAction: Action = {
  name: "clear-ssm-registration",
  async plan({ host, observed }) {
    const unit = observed.ssmUnit;
    const [registered, running] = await Promise.all([
      observeSsmAgent(host.fs, host.redactor).then((ssm) => ssm.registered),
      host.systemd.isActive(unit),
    ]);
    if (!registered && !running) {
      return { status: "not-needed", message: `no SSM registration key; ${unit} is not running` };
    }
    const steps = [
      ...(registered ? ["amazon-ssm-agent -register -clear"] : []),
      ...(running ? [`stop ${unit}`] : []),
    ];
    return {
      status: "needed",
      message: steps.join(", then "),
      apply: async () => {
        if (registered) await clearRegistration(host, unit);
        await host.systemd.stop(unit);
        return {
          status: "done",
          message: registered ? `cleared the SSM registration key; stopped ${unit}` : `stopped ${unit}`,
        };
      },
    };
  },
};
