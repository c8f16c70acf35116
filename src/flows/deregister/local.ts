import { describeFailure } from "../../adapters/host/exec.ts";
import { SNAP_SSM_UNIT } from "../../adapters/host/systemd.ts";
import type { HostContext } from "../../app/host.ts";
import { ECS_UNIT, PATHS } from "../../components/agent-state/paths.ts";
import { OperationError } from "../../errors.ts";
import type { Action } from "./types.ts";

// facts §1: the snap install runs its own binary; the deb/rpm one is on PATH.
const SNAP_SSM_BINARY = "/snap/amazon-ssm-agent/current/amazon-ssm-agent";

export const stopEcsAction: Action = {
  name: "stop-ecs",
  async plan({ host }) {
    if (!(await host.systemd.isActive(ECS_UNIT)))
      return { status: "not-needed", message: "ecs is not running" };
    return {
      status: "needed",
      message: "stop ecs",
      apply: async () => {
        await host.systemd.stop(ECS_UNIT);
        return { status: "done", message: "stopped ecs" };
      },
    };
  },
};

/** facts §2: without agent.db the next start registers afresh instead of reusing the deregistered ARN. */
export const removeAgentStateAction: Action = {
  name: "remove-agent-state",
  async plan({ host }) {
    if (!(await host.fs.exists(PATHS.agentDb))) {
      return { status: "not-needed", message: `${PATHS.agentDb} is already gone` };
    }
    return {
      status: "needed",
      message: `remove ${PATHS.agentDb}`,
      apply: async () => {
        await host.fs.remove(PATHS.agentDb);
        return { status: "done", message: `removed ${PATHS.agentDb}` };
      },
    };
  },
};

/** facts §4: `-register -clear` removes the registration key and keeps /var/lib/amazon/ssm/registration. */
export const clearSsmRegistrationAction: Action = {
  name: "clear-ssm-registration",
  async plan({ host, observed }) {
    const unit = observed.ssmUnit;
    const [registered, running] = await Promise.all([ssmKeyRegistered(host), host.systemd.isActive(unit)]);
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

async function clearRegistration(host: HostContext, unit: string): Promise<void> {
  const binary =
    unit === SNAP_SSM_UNIT && (await host.fs.exists(SNAP_SSM_BINARY))
      ? host.fs.resolve(SNAP_SSM_BINARY)
      : "amazon-ssm-agent";
  const result = await host.run(binary, ["-register", "-clear"], {
    timeoutMs: 60_000,
    redactor: host.redactor,
  });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new OperationError(describeFailure(result), {
      remediation: `run \`${binary} -register -clear\` as root, or remove ${PATHS.ssmRegistrationKey} yourself`,
    });
  }
  if (await ssmKeyRegistered(host)) {
    throw new OperationError(
      `${PATHS.ssmRegistrationKey} still holds an instance id after -register -clear`,
      {
        remediation: `stop the SSM agent and remove ${PATHS.ssmRegistrationKey} yourself`,
      },
    );
  }
}

/** facts §1: registered = the key names an instanceID. Its private key is a secret: known to the redactor. */
async function ssmKeyRegistered(host: HostContext): Promise<boolean> {
  const text = await host.fs.readText(PATHS.ssmRegistrationKey);
  if (text === undefined) return false;
  try {
    const key = JSON.parse(text) as { instanceID?: unknown; privateKey?: unknown };
    if (typeof key.privateKey === "string") host.redactor.add(key.privateKey);
    return typeof key.instanceID === "string" && key.instanceID !== "";
  } catch {
    return false;
  }
}
