export { bucketArnOfObject, clusterArn, containerInstancesArn, type PolicyContext } from "./context.ts";
export { asList, POLICY_VERSION, type PolicyDocument, type PolicyStatement, samePolicy } from "./document.ts";
export { EXECUTION_ROLE_POLICY, executionRolePolicies } from "./execution-role.ts";
export { actionCovered, wildcardMatch } from "./glob.ts";
export { CONTAINER_INSTANCE_POLICY, instanceRolePolicies, SELF_OBSERVATION_POLICY } from "./instance-role.ts";
export {
  ECR_PULL_ACTIONS,
  ECS_FOR_EC2_ROLE_V10,
  MANAGED_POLICY,
  type ManagedPolicyName,
  managedPolicyArn,
} from "./managed.ts";
export {
  assertPolicySize,
  assertRolePoliciesSize,
  INLINE_POLICY_SIZE_LIMIT,
  PolicySizeError,
  type RolePolicies,
} from "./role-policies.ts";
export { TASK_ROLE_S3_POLICY, taskRolePolicies } from "./task-role.ts";
export { ecsTasksTrustStatement, mergeTrust, ssmTrustStatement, type TrustMerge } from "./trust.ts";
