// The config file's schema, composed of its sections: the IAM roles (schema-roles.ts), the host and its daemon
// (schema-host.ts), the proxy and the endpoints (schema-network.ts). The top-level values (region, cluster,
// profile, tags) and the activation section are here.
import { ecsConfigSchema, healthSchema, hostSchema } from "./schema-host.ts";
import { endpointsSchema, proxySchema } from "./schema-network.ts";
import { executionRoleSchema, instanceRoleSchema, taskRoleSchema } from "./schema-roles.ts";
import { duration, tags } from "./schema-values.ts";
import * as v from "./validate.ts";

// field notes §5: cluster names are 1-255 chars of [A-Za-z0-9_-].
const clusterName = v
  .string()
  .min(1)
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, hyphens and underscores");
const region = v
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "is not an AWS region name (expected something like eu-west-1)");

const MAX_ACTIVATION_SECONDS = 30 * 24 * 3600; // field notes §5: ExpirationDate at most 30 days ahead
const activationExpiry = duration.refine(
  (s) => s >= 60 && s <= MAX_ACTIVATION_SECONDS,
  "must be between 1m and 30d (SSM activations expire at most 30 days ahead)",
);

export const configSchema = v.strictObject({
  region: region.optional(),
  cluster: clusterName.default("default"),
  profile: v.string().min(1).optional(),
  tags: tags.default({}),
  instanceRole: instanceRoleSchema.prefault({}),
  executionRole: executionRoleSchema.prefault({}),
  taskRoles: v.array(taskRoleSchema).default([]),
  host: hostSchema.prefault({}),
  ecsConfig: ecsConfigSchema.default({}),
  health: healthSchema.prefault({}),
  endpoints: endpointsSchema.prefault({}),
  /** The HTTP proxy of the host (field notes §10): absent, HTTPS_PROXY/HTTP_PROXY/NO_PROXY of the environment. */
  proxy: proxySchema.optional(),
  activation: v
    .strictObject({
      expiresIn: activationExpiry.default(3600),
      registrationLimit: v.number().int().min(1).max(1000).default(1),
      defaultInstanceName: v.string().min(1).max(256).optional(),
      description: v.string().max(256).optional(),
      tags: tags.default({}),
    })
    .prefault({}),
});

export type Config = v.Infer<typeof configSchema>;
export type ConfigInput = v.InferInput<typeof configSchema>;
export type TaskRoleConfig = Config["taskRoles"][number];
export type S3Grant = TaskRoleConfig["s3"][number];
export type ExecutionRoleConfig = Config["executionRole"];
export type InstanceRoleConfig = Config["instanceRole"];
export type HostConfig = Config["host"];
export type HealthConfig = Config["health"];
export type EndpointsConfig = Config["endpoints"];

export const MANAGED_BY_TAG = { key: "ManagedBy", value: "ecs-anywhere-agent" } as const;
