import type { S3Grant, TaskRoleConfig } from "../config/schema.ts";
import { type PolicyContext, s3BucketArn } from "./context.ts";
import { POLICY_VERSION, type PolicyStatement } from "./document.ts";
import { assertRolePoliciesSize, type RolePolicies } from "./role-policies.ts";

export const TASK_ROLE_S3_POLICY = "ecs-anywhere-agent-s3";

/**
 * field notes §5, least privilege per grant: read = s3:GetObject on bucket/prefix* plus s3:ListBucket on the bucket
 * (limited by s3:prefix when there is a prefix); write = s3:PutObject on the objects; read-write = both;
 * s3:DeleteObject only with its own opt-in.
 */
function grantStatements(grant: S3Grant, partition: string): PolicyStatement[] {
  const bucket = s3BucketArn(partition, grant.bucket);
  const reads = grant.access !== "write";
  const objectActions = [
    ...(reads ? ["s3:GetObject"] : []),
    ...(grant.access !== "read" ? ["s3:PutObject"] : []),
    ...(grant.allowDelete ? ["s3:DeleteObject"] : []),
  ];
  const statements: PolicyStatement[] = [
    { Effect: "Allow", Action: objectActions, Resource: `${bucket}/${grant.prefix}*` },
  ];
  if (reads) {
    const list: PolicyStatement = { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket };
    if (grant.prefix !== "") list.Condition = { StringLike: { "s3:prefix": [`${grant.prefix}*`] } };
    statements.push(list);
  }
  return statements;
}

/** Task roles get no managed policy; one inline S3 policy when the role has grants, none otherwise. */
export function taskRolePolicies(role: TaskRoleConfig, ctx: PolicyContext): RolePolicies {
  const statements = role.s3.flatMap((grant) => grantStatements(grant, ctx.partition));
  const result: RolePolicies = { managedPolicyArns: [], inline: {} };
  if (statements.length > 0) {
    result.inline[TASK_ROLE_S3_POLICY] = { Version: POLICY_VERSION, Statement: statements };
  }
  assertRolePoliciesSize(result, role.name);
  return result;
}
