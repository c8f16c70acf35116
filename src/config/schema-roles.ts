// The IAM role sections (instanceRole, executionRole, taskRoles) and the names, paths and ARNs they hold, as IAM
// and the other AWS services check them (field notes §5).
import * as v from "./validate.ts";

// field notes §5: role names are 1-64 chars of [\w+=,.@-].
const roleName = v
  .string()
  .min(1)
  .max(64, "must be at most 64 characters")
  .regex(/^[\w+=,.@-]+$/, "may contain only letters, digits and + = , . @ _ -");

const arnOf = (service: string, what: string, resource: RegExp) =>
  v
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:${resource.source}$`),
      `is not ${what} ARN (arn:aws:${service}:...)`,
    );
const secretArn = arnOf("secretsmanager", "a Secrets Manager secret", /[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+/);
const parameterArn = arnOf("ssm", "an SSM parameter", /[a-z0-9-]+:\d{12}:parameter\/[\w/.-]+/);
const kmsKeyArn = arnOf("kms", "a KMS key (not an alias)", /[a-z0-9-]+:\d{12}:key\/[\w-]+/);
const s3ObjectArn = arnOf("s3", "an S3 object", /::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/);
const boundaryArn = arnOf("iam", "an IAM managed policy", /:(aws|\d{12}):policy\/[\w+=,.@/-]+/);
const taskSecretArn = v.union(
  [secretArn, parameterArn],
  "is neither a Secrets Manager secret ARN nor an SSM parameter ARN",
);

const iamPath = v
  .string()
  .regex(/^\/([\x21-\x7e]*\/)?$/, "must start and end with / (e.g. /ecs-anywhere/)")
  .max(512);

// field notes §5.9: CreateActivation takes the instance role by NAME and SSM resolves it without a path, so a role
// under another path can never be used for an activation. Only a well-formed path gets this message: a refinement
// sees only values nothing else was found wrong with.
const instanceRolePath = iamPath.refine(
  (path) => path === "/",
  'must be "/": SSM CreateActivation names the instance role by name only and does not find a role under a path',
);

const s3Grant = v.strictObject({
  bucket: v
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "is not a valid S3 bucket name (3-63 chars, lower case)"),
  prefix: v.string().max(1024).default(""),
  access: v.oneOf(["read", "write", "read-write"]).default("read"),
  allowDelete: v.boolean().default(false),
});

/** The role the activation names: the host's SSM and ECS agents run with its credentials. */
export const instanceRoleSchema = v.strictObject({
  name: roleName.default("ECSAnywhereRole"),
  permissions: v.oneOf(["managed", "least-privilege"]).default("managed"),
  path: instanceRolePath.default("/"),
  permissionsBoundary: boundaryArn.optional(),
  selfObservation: v.boolean().default(false),
});

/** The task execution role: what it may read for tasks, and where its ECR pulls may come from. */
export const executionRoleSchema = v.strictObject({
  enabled: v.boolean().default(true),
  name: roleName.default("ecsTaskExecutionRole"),
  path: iamPath.default("/"),
  permissionsBoundary: boundaryArn.optional(),
  registryCredentialSecrets: v.array(secretArn).default([]),
  taskSecrets: v.array(taskSecretArn).default([]),
  kmsKeys: v.array(kmsKeyArn).default([]),
  environmentFiles: v.array(s3ObjectArn).default([]),
  ecrVpcEndpoints: v.array(v.string().regex(/^vpce-[0-9a-f]{8,17}$/, "is not a VPC endpoint id")).default([]),
  ecrVpcs: v.array(v.string().regex(/^vpc-[0-9a-f]{8,17}$/, "is not a VPC id")).default([]),
});

/** One task role, with the S3 access it grants. */
export const taskRoleSchema = v.strictObject({
  name: roleName,
  path: iamPath.default("/"),
  permissionsBoundary: boundaryArn.optional(),
  s3: v.array(s3Grant).default([]),
});
