import type { AwsPorts, CallerIdentity } from "../adapters/aws/ports.ts";
import { type Config, MANAGED_BY_TAG } from "../config/schema.ts";
import type { Step } from "../engine/step.ts";
import { executionRolePolicies, instanceRolePolicies, taskRolePolicies } from "../policies/index.ts";
import { MANAGED_POLICY, managedPolicyArn } from "../policies/managed.ts";
import { ecsTasksTrustStatement, ssmTrustStatement } from "../policies/trust.ts";
import { clusterStep } from "./cluster.ts";
import type { PropagationWait } from "./propagation.ts";
import { type RoleSpec, roleStep } from "./role.ts";

/** Tags on everything the agent creates: the configured ones plus ManagedBy. */
export function resourceTags(config: Config): Record<string, string> {
  return { ...config.tags, [MANAGED_BY_TAG.key]: MANAGED_BY_TAG.value };
}

/** What every role spec takes from its config entry: id, name, path, description and the optional boundary. */
function roleIdentity(
  id: string,
  role: { name: string; path: string; permissionsBoundary?: string | undefined },
  description: string,
) {
  return {
    id,
    name: role.name,
    path: role.path,
    description,
    ...(role.permissionsBoundary ? { permissionsBoundaryArn: role.permissionsBoundary } : {}),
  };
}

/** The instance role as the config wants it (setup converges it; a just-in-time register only extends it). */
export function instanceRoleSpec(config: Config, region: string, identity: CallerIdentity): RoleSpec {
  const ctx = { partition: identity.partition, account: identity.account, region, cluster: config.cluster };
  const instance = instanceRolePolicies(config.instanceRole, ctx);
  return {
    ...roleIdentity(
      "instance-role",
      config.instanceRole,
      "ECS Anywhere container instances (assumed by SSM on registered hosts)",
    ),
    trust: ssmTrustStatement(identity.account, region, identity.partition),
    managedPolicyArns: instance.managedPolicyArns,
    inline: instance.inline,
    retiredManagedPolicyArns:
      config.instanceRole.permissions === "least-privilege"
        ? [managedPolicyArn(identity.partition, MANAGED_POLICY.ecsForEc2Role)]
        : [],
    tags: resourceTags(config),
  };
}

/** The cloud-side steps of `setup`, in order: the only command that converges shared roles and creates clusters. */
export function setupSteps(
  config: Config,
  region: string,
  identity: CallerIdentity,
  aws: AwsPorts,
  wait: PropagationWait,
): Step<unknown>[] {
  const ctx = { partition: identity.partition, account: identity.account, region, cluster: config.cluster };
  const tags = resourceTags(config);
  const steps: Step<unknown>[] = [roleStep(instanceRoleSpec(config, region, identity), aws.iam)];
  if (config.executionRole.enabled) {
    const execution = executionRolePolicies(config.executionRole, ctx);
    steps.push(
      roleStep(
        {
          ...roleIdentity(
            "execution-role",
            config.executionRole,
            "ECS task execution role for ECS Anywhere tasks (image pulls, logs, secrets)",
          ),
          trust: ecsTasksTrustStatement(),
          managedPolicyArns: execution.managedPolicyArns,
          inline: execution.inline,
          tags,
        },
        aws.iam,
      ),
    );
  }
  for (const taskRole of config.taskRoles) {
    const policies = taskRolePolicies(taskRole, ctx);
    steps.push(
      roleStep(
        {
          ...roleIdentity(
            `task-role/${taskRole.name}`,
            taskRole,
            "ECS task role managed by ecs-anywhere-agent",
          ),
          trust: ecsTasksTrustStatement(),
          managedPolicyArns: policies.managedPolicyArns,
          inline: policies.inline,
          tags,
        },
        aws.iam,
      ),
    );
  }
  steps.push(clusterStep(config.cluster, tags, aws.ecs, wait));
  return steps;
}
