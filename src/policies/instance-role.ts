import type { InstanceRoleConfig } from "../config/schema.ts";
import { clusterArn, containerInstancesArn, type PolicyContext, tasksArn } from "./context.ts";
import { POLICY_VERSION, type PolicyDocument } from "./document.ts";
import { ECR_PULL_ACTIONS, MANAGED_POLICY, managedPolicyArn } from "./managed.ts";
import { assertRolePoliciesSize, type RolePolicies } from "./role-policies.ts";

export const CONTAINER_INSTANCE_POLICY = "ecs-anywhere-agent-container-instance";
export const SELF_OBSERVATION_POLICY = "ecs-anywhere-agent-self-observation";

/**
 * Resource scoping of each ECS action, from the Service Authorization Reference for Amazon ECS, "Actions defined
 * by Amazon Elastic Container Service" (and its "Permission-only actions" for Poll and StartTelemetrySession):
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 * (now also published as .../reference/list_ecs.html)
 *   DiscoverPollEndpoint            no resource type            -> "*"
 *   Poll                            container-instance*         -> this cluster's container instances
 *   RegisterContainerInstance       cluster*                    -> this cluster
 *   DeregisterContainerInstance     cluster*                    -> this cluster
 *   StartTelemetrySession           container-instance*         -> this cluster's container instances
 *   UpdateContainerInstancesState   container-instance*         -> this cluster's container instances
 *   SubmitTaskStateChange           cluster*                    -> this cluster
 *   SubmitContainerStateChange      cluster*                    -> this cluster
 *   SubmitAttachmentStateChanges    cluster*                    -> this cluster
 *   TagResource                     cluster, container-instance, ... (all optional); key ecs:CreateAction
 *                                   -> "*" with ecs:CreateAction = RegisterContainerInstance: tagging is allowed only
 *                                   as part of a registration, which is itself scoped to this cluster; the reference
 *                                   does not say which ARN tag-on-create is evaluated against, so no guess here
 *                                   (a wrong one would make registration with ECS_CONTAINER_INSTANCE_TAGS fail).
 *   ListTagsForResource             task, container-instance, ... (optional) -> this cluster's tasks and instances
 *   DescribeContainerInstances      container-instance*         -> this cluster's container instances
 * Container-instance ARNs are arn:${Partition}:ecs:${Region}:${Account}:container-instance/${ClusterName}/${Id}
 * (the long ARN format).
 */
function containerInstancePolicy(ctx: PolicyContext): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      { Sid: "EcsAgentUnscoped", Effect: "Allow", Action: ["ecs:DiscoverPollEndpoint"], Resource: "*" },
      {
        Sid: "EcsAgentCluster",
        Effect: "Allow",
        Action: [
          "ecs:RegisterContainerInstance",
          "ecs:DeregisterContainerInstance",
          "ecs:SubmitTaskStateChange",
          "ecs:SubmitContainerStateChange",
          "ecs:SubmitAttachmentStateChanges",
        ],
        Resource: clusterArn(ctx),
      },
      {
        Sid: "EcsAgentContainerInstances",
        Effect: "Allow",
        Action: ["ecs:Poll", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState"],
        Resource: containerInstancesArn(ctx),
      },
      {
        Sid: "EcsTagOnRegistration",
        Effect: "Allow",
        Action: ["ecs:TagResource"],
        Resource: "*",
        Condition: { StringEquals: { "ecs:CreateAction": ["RegisterContainerInstance"] } },
      },
      {
        Sid: "EcsListTags",
        Effect: "Allow",
        Action: ["ecs:ListTagsForResource"],
        Resource: [tasksArn(ctx), containerInstancesArn(ctx)],
      },
      // field notes §5: ECR pull and log delivery on "*", as in the managed policy.
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:GetAuthorizationToken", ...ECR_PULL_ACTIONS],
        Resource: "*",
      },
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" },
    ],
  };
}

/** Read-only calls the agent makes about its own host; opt-in through `instanceRole.selfObservation`. */
function selfObservationPolicy(ctx: PolicyContext): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: "DescribeOwnContainerInstances",
        Effect: "Allow",
        Action: ["ecs:DescribeContainerInstances"],
        Resource: containerInstancesArn(ctx),
      },
      {
        Sid: "DescribeManagedInstances",
        Effect: "Allow",
        Action: ["ssm:DescribeInstanceInformation"],
        Resource: "*",
      },
    ],
  };
}

/** Managed policies and inline documents of the instance role (the role SSM vends to the host). */
export function instanceRolePolicies(cfg: InstanceRoleConfig, ctx: PolicyContext): RolePolicies {
  const ssmCore = managedPolicyArn(ctx.partition, MANAGED_POLICY.ssmManagedInstanceCore);
  const result: RolePolicies =
    cfg.permissions === "managed"
      ? {
          managedPolicyArns: [ssmCore, managedPolicyArn(ctx.partition, MANAGED_POLICY.ecsForEc2Role)],
          inline: {},
        }
      : {
          managedPolicyArns: [ssmCore],
          inline: { [CONTAINER_INSTANCE_POLICY]: containerInstancePolicy(ctx) },
        };
  if (cfg.selfObservation) result.inline[SELF_OBSERVATION_POLICY] = selfObservationPolicy(ctx);
  assertRolePoliciesSize(result, cfg.name);
  return result;
}
