import type { ExecutionRoleConfig } from "../config/schema.ts";
import { bucketArnOfObject, type PolicyContext } from "./context.ts";
import { POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "./document.ts";
import { uniqueSorted } from "./glob.ts";
import { ECR_PULL_ACTIONS, MANAGED_POLICY, managedPolicyArn } from "./managed.ts";
import { assertRolePoliciesSize, type RolePolicies } from "./role-policies.ts";

export const EXECUTION_ROLE_POLICY = {
  registryCredentials: "ecs-anywhere-agent-registry-credentials",
  taskSecrets: "ecs-anywhere-agent-task-secrets",
  environmentFiles: "ecs-anywhere-agent-environment-files",
  ecrVpcEndpoints: "ecs-anywhere-agent-ecr-vpc-endpoints",
} as const;

/** One Allow statement, or none when the resource list is empty (an empty Resource is invalid IAM). */
function allow(sid: string, actions: string[], resources: string[]): PolicyStatement[] {
  const list = uniqueSorted(resources);
  return list.length === 0 ? [] : [{ Sid: sid, Effect: "Allow", Action: actions, Resource: list }];
}

function doc(statements: PolicyStatement[]): PolicyDocument | undefined {
  return statements.length === 0 ? undefined : { Version: POLICY_VERSION, Statement: statements };
}

// field notes §5: private registry credentials -> secretsmanager:GetSecretValue (+ kms:Decrypt for a customer key).
function registryCredentials(cfg: ExecutionRoleConfig): PolicyDocument | undefined {
  const secrets = allow(
    "ReadRegistryCredentials",
    ["secretsmanager:GetSecretValue"],
    cfg.registryCredentialSecrets,
  );
  return doc(
    secrets.length === 0
      ? []
      : [...secrets, ...allow("DecryptWithCustomerKeys", ["kms:Decrypt"], cfg.kmsKeys)],
  );
}

// field notes §5: secrets in task definitions -> ssm:GetParameters, secretsmanager:GetSecretValue, kms:Decrypt.
function taskSecrets(cfg: ExecutionRoleConfig): PolicyDocument | undefined {
  const parameters = cfg.taskSecrets.filter((arn) => arn.split(":")[2] === "ssm");
  const secrets = cfg.taskSecrets.filter((arn) => arn.split(":")[2] === "secretsmanager");
  const reads = [
    ...allow("ReadTaskParameters", ["ssm:GetParameters"], parameters),
    ...allow("ReadTaskSecrets", ["secretsmanager:GetSecretValue"], secrets),
  ];
  return doc(
    reads.length === 0 ? [] : [...reads, ...allow("DecryptWithCustomerKeys", ["kms:Decrypt"], cfg.kmsKeys)],
  );
}

// field notes §5: environment files in S3 -> s3:GetObject on the object, s3:GetBucketLocation on its bucket.
function environmentFiles(cfg: ExecutionRoleConfig): PolicyDocument | undefined {
  return doc([
    ...allow("ReadEnvironmentFiles", ["s3:GetObject"], cfg.environmentFiles),
    ...allow(
      "LocateEnvironmentFileBuckets",
      ["s3:GetBucketLocation"],
      cfg.environmentFiles.map(bucketArnOfObject),
    ),
  ]);
}

/**
 * field notes §5: ECR through interface VPC endpoints, with the global keys aws:sourceVpce / aws:sourceVpc (written as
 * a proper Condition block; the AWS page's example is malformed).
 * The Allow alone restricts nothing: AmazonECSTaskExecutionRolePolicy, attached to the same role, grants these
 * actions on "*" without conditions, and Allows add up. Only an explicit Deny outside the endpoints/VPCs narrows
 * them. One Deny per key: keys inside one condition block are ANDed, so a single Deny listing both keys would
 * fire only when BOTH mismatch. A request that does not come through an endpoint has no aws:sourceVpce, and
 * StringNotEquals on a missing key is true, so it is denied as intended.
 */
function ecrVpcEndpoints(cfg: ExecutionRoleConfig): PolicyDocument | undefined {
  const keys: Record<string, string[]> = {};
  if (cfg.ecrVpcEndpoints.length > 0) keys["aws:sourceVpce"] = uniqueSorted(cfg.ecrVpcEndpoints);
  if (cfg.ecrVpcs.length > 0) keys["aws:sourceVpc"] = uniqueSorted(cfg.ecrVpcs);
  if (Object.keys(keys).length === 0) return undefined;
  const actions = [...ECR_PULL_ACTIONS];
  const denies: PolicyStatement[] = Object.entries(keys).map(([key, values]) => ({
    Sid: key === "aws:sourceVpce" ? "DenyEcrPullOutsideVpcEndpoints" : "DenyEcrPullOutsideVpcs",
    Effect: "Deny",
    Action: [...actions],
    Resource: "*",
    Condition: { StringNotEquals: { [key]: [...values] } },
  }));
  return doc([
    {
      Sid: "AllowEcrPullThroughVpcEndpoints",
      Effect: "Allow",
      Action: actions,
      Resource: "*",
      Condition: { StringEquals: keys },
    },
    ...denies,
  ]);
}

/**
 * Managed policy and per-feature inline documents of the task execution role. Callers skip the role entirely
 * when `cfg.enabled` is false.
 */
export function executionRolePolicies(cfg: ExecutionRoleConfig, ctx: PolicyContext): RolePolicies {
  const inline: Record<string, PolicyDocument> = {};
  const features: [string, PolicyDocument | undefined][] = [
    [EXECUTION_ROLE_POLICY.registryCredentials, registryCredentials(cfg)],
    [EXECUTION_ROLE_POLICY.taskSecrets, taskSecrets(cfg)],
    [EXECUTION_ROLE_POLICY.environmentFiles, environmentFiles(cfg)],
    [EXECUTION_ROLE_POLICY.ecrVpcEndpoints, ecrVpcEndpoints(cfg)],
  ];
  for (const [name, document] of features) if (document) inline[name] = document;
  const result = {
    managedPolicyArns: [managedPolicyArn(ctx.partition, MANAGED_POLICY.ecsTaskExecutionRole)],
    inline,
  };
  assertRolePoliciesSize(result, cfg.name);
  return result;
}
