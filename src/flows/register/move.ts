import { requireCluster } from "../../cloud/cluster.ts";
import { applyEcsConfigFiles, planEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { registeredCluster } from "../../components/ecs-agent/observe.ts";
import { change, type Plan } from "../../engine/step.ts";
import type { RegisterRun } from "./run.ts";

/** field notes §2: moving clusters = deregister the old instance, stop ecs, remove agent.db, new ECS_CLUSTER. */
export function movePlan(run: RegisterRun): Plan {
  const { input, deps, observed } = run;
  const { host } = deps;
  const cluster = input.config.cluster;
  const oldArn = observed.metadata.state === "ok" ? observed.metadata.containerInstanceArn : null;
  const oldCluster = registeredCluster(observed) ?? observed.configuredCluster ?? "unknown";
  const plans = planEcsConfigFiles(
    run.desired,
    { etc: observed.ecsConfigText, lib: observed.ecsConfigLibText },
    host.redactor,
    run.absentKeys,
  );
  const steps = [
    oldArn ? `deregister ${oldArn} from ${oldCluster}` : `no running agent to deregister from ${oldCluster}`,
    "stop ecs",
    `remove ${ECS_AGENT.agentDb}`,
    `set ECS_CLUSTER=${cluster} in ${ECS_AGENT.config}`,
  ];
  return change(
    `move from ${oldCluster} to ${cluster}`,
    async () => {
      if (deps.hasAwsCredentials) {
        // The ECS agent only registers into an existing cluster, and register never creates one (preflight
        // already checked; checked again in case it was skipped): before the old registration is given up.
        const { ecs } = await deps.aws();
        await requireCluster(ecs, cluster, input.region);
        if (oldArn) await ecs.deregisterContainerInstance(oldCluster, oldArn, true);
      } else if (oldArn) {
        steps[0] = `${oldArn} left registered in ${oldCluster} (no AWS credentials): deregister it yourself`;
      }
      await host.systemd.stop(ECS_AGENT.unit);
      await host.fs.remove(ECS_AGENT.agentDb);
      await applyEcsConfigFiles(host.fs, plans);
      return { summary: `moved from ${oldCluster} to ${cluster}`, details: steps };
    },
    { action: "update", details: steps },
  );
}
