import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { verifyControlPlane, waitForRegistration } from "../../components/ecs-agent/registration.ts";
import { observeSsmAgent } from "../../components/ssm-agent/registration.ts";
import { change, type Plan, type Step } from "../../engine/step.ts";
import type { RegisterRun } from "./run.ts";

/** The agent's own word (introspection), then the control plane's (ACTIVE and connected) when AWS is callable. */
export const verifyStep: Step<RegisterRun> = {
  id: "verify",
  async plan(run, signal): Promise<Plan> {
    const { input, deps, report } = run;
    const { host } = deps;
    return change(
      "wait for the agent to register (introspection), then check the control plane",
      async () => {
        if (input.config.host.noStart && !(await host.systemd.isActive(ECS_AGENT.unit))) {
          report.outcome = "installed";
          return {
            status: "ok",
            summary:
              "noStart: ecs was not started, so the agent has not registered yet; `systemctl start ecs` does it",
          };
        }
        const started = host.clock.now().getTime();
        const arn = await waitForRegistration(input.config.cluster, {
          ...host,
          timeoutMs: input.verifyTimeoutMs,
          signal,
        });
        report.containerInstanceArn = arn;
        // The install script registered SSM after the first observation: only that file is read again.
        const { managedInstanceId } = await observeSsmAgent(host.fs);
        if (managedInstanceId) report.managedInstanceId = managedInstanceId;
        const details = [`container instance ${arn}`, `managed instance ${managedInstanceId ?? "unknown"}`];
        if (deps.hasAwsCredentials) {
          // Within the same --verify-timeout: the agent connects to the control plane after it registers.
          await verifyControlPlane((await deps.aws()).ecs, input.config.cluster, arn, {
            clock: host.clock,
            timeoutMs: input.verifyTimeoutMs,
            startedAt: started,
            progress: host.progress,
            ...(signal ? { signal } : {}),
          });
          details.push("control plane: ACTIVE and agent connected");
        } else details.push("control plane: not checked (no AWS credentials)");
        return { status: "ok", summary: "the agent is registered to the cluster", details };
      },
    );
  },
};
