import { clusterStep } from "../../cloud/cluster.ts";
import { resourceTags } from "../../cloud/setup-steps.ts";
import { applyEcsConfigFiles, planEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { registeredCluster } from "../../components/ecs-agent/observe.ts";
import { runSteps } from "../../engine/run.ts";
import type { Step } from "../../engine/step.ts";
import type { HostObservation } from "./observe.ts";
import type { PhaseReport } from "./report.ts";
import type { RegisterDeps, RegisterInput } from "./types.ts";

/** facts §2: moving clusters = deregister the old instance, stop ecs, remove agent.db, new ECS_CLUSTER, start. */
export async function moveHost(
  input: RegisterInput,
  deps: RegisterDeps,
  observed: HostObservation,
  desired: Record<string, string>,
): Promise<PhaseReport> {
  const { host } = deps;
  const oldArn = observed.metadata.state === "ok" ? observed.metadata.containerInstanceArn : null;
  const oldCluster = registeredCluster(observed) ?? observed.configuredCluster ?? "unknown";
  const plans = planEcsConfigFiles(
    desired,
    { etc: observed.ecsConfigText, lib: observed.ecsConfigLibText },
    host.redactor,
  );
  const steps = [
    oldArn ? `deregister ${oldArn} from ${oldCluster}` : `no running agent to deregister from ${oldCluster}`,
    "stop ecs",
    `remove ${ECS_AGENT.agentDb}`,
    `set ECS_CLUSTER=${input.config.cluster} in ${ECS_AGENT.config}`,
  ];
  if (input.dryRun)
    return {
      phase: "ecs-config",
      status: "planned",
      summary: `move from ${oldCluster} to ${input.config.cluster}`,
      details: steps,
    };
  if (deps.hasAwsCredentials) {
    // The ECS agent only registers into an existing cluster (the instance role cannot create one): make sure
    // the target exists before the old registration is given up.
    const { ecs } = await deps.aws();
    await runSteps([clusterStep(input.config.cluster, resourceTags(input.config), ecs) as Step<unknown>], {
      dryRun: false,
      log: host.log,
    });
    if (oldArn) await ecs.deregisterContainerInstance(oldCluster, oldArn, true);
  } else if (oldArn) {
    steps[0] = `${oldArn} left registered in ${oldCluster} (no AWS credentials): deregister it yourself`;
  }
  await host.systemd.stop(ECS_AGENT.unit);
  await host.fs.remove(ECS_AGENT.agentDb);
  await applyEcsConfigFiles(host.fs, plans);
  return {
    phase: "ecs-config",
    status: "done",
    summary: `moved from ${oldCluster} to ${input.config.cluster}`,
    details: steps,
  };
}
