import { POLICY_VERSION, type PolicyDocument } from "./document.ts";

/** The AWS managed policies the agent attaches (field notes §5), by their name under `arn:${partition}:iam::aws:policy/`. */
export const MANAGED_POLICY = {
  ssmManagedInstanceCore: "AmazonSSMManagedInstanceCore",
  ecsForEc2Role: "service-role/AmazonEC2ContainerServiceforEC2Role",
  ecsTaskExecutionRole: "service-role/AmazonECSTaskExecutionRolePolicy",
} as const;

export type ManagedPolicyName = (typeof MANAGED_POLICY)[keyof typeof MANAGED_POLICY];

export function managedPolicyArn(partition: string, name: ManagedPolicyName): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * AmazonEC2ContainerServiceforEC2Role v10, as data (field notes §5). The least-privilege instance policy must stay a
 * subset of it; a test checks that. AWS writes ListTagsForResource's resources with the `aws` partition.
 */
export const ECS_FOR_EC2_ROLE_V10: PolicyDocument = {
  Version: POLICY_VERSION,
  Statement: [
    {
      Effect: "Allow",
      Action: [
        "ec2:DescribeTags",
        "ecs:CreateCluster",
        "ecs:DeregisterContainerInstance",
        "ecs:DiscoverPollEndpoint",
        "ecs:Poll",
        "ecs:RegisterContainerInstance",
        "ecs:StartTelemetrySession",
        "ecs:UpdateContainerInstancesState",
        "ecs:Submit*",
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ],
      Resource: "*",
    },
    {
      Effect: "Allow",
      Action: ["ecs:TagResource"],
      Resource: "*",
      Condition: { StringEquals: { "ecs:CreateAction": ["CreateCluster", "RegisterContainerInstance"] } },
    },
    {
      Effect: "Allow",
      Action: ["ecs:ListTagsForResource"],
      Resource: ["arn:aws:ecs:*:*:task/*/*", "arn:aws:ecs:*:*:container-instance/*/*"],
    },
  ],
};

/** field notes §5: the ECR pull actions both AmazonEC2ContainerServiceforEC2Role and the execution-role policy grant. */
export const ECR_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:GetDownloadUrlForLayer",
  "ecr:BatchGetImage",
] as const;
