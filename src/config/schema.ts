import { DEFAULT_INSTALL_SCRIPT_URL } from "../checks/endpoints.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../components/install-script/verify.ts";
import { NO_PROXY_ENTRY, proxyUrlProblem } from "../components/proxy/settings.ts";
import { ECS_LOG_LEVELS } from "../ecsconfig/desired.ts";
import { KEY_PATTERN } from "../ecsconfig/keys.ts";
import { parseDuration } from "../util/duration.ts";
import * as v from "./validate.ts";

// field notes §5: role names are 1-64 chars of [\w+=,.@-]; cluster names 1-255 chars of [A-Za-z0-9_-].
const roleName = v
  .string()
  .min(1)
  .max(64, "must be at most 64 characters")
  .regex(/^[\w+=,.@-]+$/, "may contain only letters, digits and + = , . @ _ -");
const clusterName = v
  .string()
  .min(1)
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, hyphens and underscores");
const region = v
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "is not an AWS region name (expected something like eu-west-1)");

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

const tagKey = v
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "has characters AWS tags do not allow");
const tagValue = v
  .string()
  .max(256)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, "has characters AWS tags do not allow");
const tags = v.record(tagKey, tagValue);

const MAX_ACTIVATION_SECONDS = 30 * 24 * 3600; // field notes §5: ExpirationDate at most 30 days ahead
const duration = v
  .string()
  .transform(
    (text) => parseDuration(text) ?? new v.Failure(`"${text}" is not a duration (use e.g. 30m, 1h, 7d)`),
  );
const activationExpiry = duration.refine(
  (s) => s >= 60 && s <= MAX_ACTIVATION_SECONDS,
  "must be between 1m and 30d (SSM activations expire at most 30 days ahead)",
);

const s3Grant = v.strictObject({
  bucket: v
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "is not a valid S3 bucket name (3-63 chars, lower case)"),
  prefix: v.string().max(1024).default(""),
  access: v.oneOf(["read", "write", "read-write"]).default("read"),
  allowDelete: v.boolean().default(false),
});

// field notes §8.8: lower-case keys such as http_proxy are legal; a digit first or any other character is not.
const ecsConfigKey = v
  .string()
  .regex(KEY_PATTERN, 'must be an ecs.config key: letters, digits and "_", not starting with a digit');
// field notes §3.2: ecs-init trims each line, so ` 30m` would keep its space and `30m ` would lose it.
const ecsConfigValue = v
  .string()
  .regex(/^[^\n\r]*$/, "must be one line")
  .regex(/^(\S([\s\S]*\S)?)?$/, "must not begin or end with white space");

// field notes §10.1-§10.7: one proxy for every consumer; a URL may carry credentials (a secret, masked everywhere).
const proxyUrl = v.string().transform((text) => {
  const trimmed = text.trim();
  const problem = proxyUrlProblem(trimmed);
  return problem === undefined ? trimmed : new v.Failure(problem);
});
const proxySchema = v
  .strictObject({
    https: proxyUrl.optional(),
    http: proxyUrl.optional(),
    noProxy: v
      .array(
        v
          .string()
          .regex(NO_PROXY_ENTRY, "must be one host, domain, IP, CIDR or host:port (no commas or spaces)"),
      )
      .default([]),
    // The hosts of `endpoints:` join NO_PROXY (README "Private endpoints"); false keeps them behind the proxy.
    bypassEndpoints: v.boolean().default(true),
  })
  .refine(
    (proxy) => proxy.https !== undefined || proxy.http !== undefined,
    "needs https or http (either alone serves both)",
  );

/** Host-side settings used by `register` and the daemon (field notes §1 flags, §3 ecs.config keys). */
const hostSchema = v.strictObject({
  // field notes §8.8: the agent reads the level in any case; it is written in lower case.
  ecsLogLevel: v
    .preprocess((value) => (typeof value === "string" ? value.toLowerCase() : value), v.oneOf(ECS_LOG_LEVELS))
    .default("info"),
  instanceTags: tags.default({}),
  instanceAttributes: v.record(v.string().min(1).max(128), v.string().max(128)).default({}),
  enableGpu: v.boolean().default(false),
  reservedMemoryMiB: v.number().int().min(0).max(65535).optional(),
  dockerInstallSource: v.oneOf(["all", "docker", "distro", "none"]).default("all"),
  ecsVersion: v
    .string()
    // field notes §8.8: published ecs-init packages carry a release suffix (1.89.2-1).
    .regex(/^(latest|\d+\.\d+\.\d+(-\d+)?)$/, "must be latest or a version such as 1.89.0 or 1.89.2-1")
    .default("latest"),
  noStart: v.boolean().default(false),
  installScript: v
    .strictObject({
      url: v.httpUrl().default(DEFAULT_INSTALL_SCRIPT_URL),
      // Unset: the Amazon ECS key embedded in the agent (components/install-script/amazon-ecs-key.ts).
      gpgKeyFile: v.string().regex(/^\//, "must be an absolute path").optional(),
      gpgKeyUrl: v.httpUrl().optional(),
      fingerprint: v
        .string()
        .regex(/^[0-9A-Fa-f]{40}$/, "must be a 40-hex-digit key fingerprint")
        .default(AMAZON_ECS_KEY_FINGERPRINT),
      timeout: duration.default(900),
    })
    .prefault({}),
  verifyTimeout: duration.default(300),
});

// field notes §10.8-§10.11: one https endpoint per service the host or this agent talks to, for VPC interface
// endpoints (their private DNS names or endpoint-specific names) and FIPS endpoints. Only scheme, host and port
// are kept: the consumers (the SSM agent, ECS_BACKEND_HOST, the SDK) take a base endpoint, never a path.
const endpointUrl = v.string().transform((text) => {
  const trimmed = text.trim();
  if (!/^https:\/\/[^/]/i.test(trimmed) || !URL.canParse(trimmed)) {
    return new v.Failure(
      "must be an https:// URL such as https://ssm.eu-west-1.amazonaws.com (AWS endpoints, private ones included, are HTTPS only)",
    );
  }
  const url = new URL(trimmed);
  if (url.username !== "" || url.password !== "")
    return new v.Failure("must not hold a user name or password");
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
    return new v.Failure("must be scheme, host and port only (no path, query or fragment)");
  return url.origin;
});

/** The `endpoints:` keys, each an endpoint of one AWS service (README "Private endpoints"). */
export const ENDPOINT_KEYS = [
  "ssm",
  "ec2messages",
  "ssmmessages",
  "ecs",
  "ecsAgent",
  "ecsTelemetry",
  "ecrApi",
  "ecrDkr",
  "s3",
  "logs",
  "sts",
  "kms",
  "iam",
] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

const endpointsSchema = v.strictObject(
  Object.fromEntries(ENDPOINT_KEYS.map((key) => [key, endpointUrl.optional()])) as Record<
    EndpointKey,
    ReturnType<typeof endpointUrl.optional>
  >,
);

/** The daemon (field notes §9): probe cadence, the health endpoint, opt-in control-plane checks, repairs. */
const healthSchema = v.strictObject({
  interval: duration.refine((s) => s >= 1 && s <= 3600, "must be between 1s and 1h").default(15),
  /** Per probe. */
  probeTimeout: duration.refine((s) => s >= 1 && s <= 60, "must be between 1s and 1m").default(5),
  /** HOST:PORT; a non-loopback address only when written here or in --listen explicitly. */
  listen: v.string().min(1).default("127.0.0.1:9745"),
  /** A file holding the bearer token /status and /metrics require (operator path). */
  tokenFile: v.string().regex(/^\//, "must be an absolute path").optional(),
  /** DescribeContainerInstances and SSM PingStatus with the instance role's own credentials, at most once a minute. */
  controlPlane: v.boolean().default(false),
  /** Rewrite drifted ecs.config keys and restart stopped units. */
  repair: v.boolean().default(true),
  /** Per repair (a unit restart waits for the unit). */
  repairTimeout: duration.refine((s) => s >= 1 && s <= 600, "must be between 1s and 10m").default(60),
  /** Repairs per action and rolling hour. */
  maxRepairsPerHour: v.number().int().min(1).max(60).default(6),
  /** Free space under /var/lib/docker and /var/lib/ecs below this fails the disk check. */
  minFreeDiskMiB: v.number().int().min(0).default(1024),
});

export const configSchema = v.strictObject({
  region: region.optional(),
  cluster: clusterName.default("default"),
  profile: v.string().min(1).optional(),
  tags: tags.default({}),
  instanceRole: v
    .strictObject({
      name: roleName.default("ECSAnywhereRole"),
      permissions: v.oneOf(["managed", "least-privilege"]).default("managed"),
      path: instanceRolePath.default("/"),
      permissionsBoundary: boundaryArn.optional(),
      selfObservation: v.boolean().default(false),
    })
    .prefault({}),
  executionRole: v
    .strictObject({
      enabled: v.boolean().default(true),
      name: roleName.default("ecsTaskExecutionRole"),
      path: iamPath.default("/"),
      permissionsBoundary: boundaryArn.optional(),
      registryCredentialSecrets: v.array(secretArn).default([]),
      taskSecrets: v.array(taskSecretArn).default([]),
      kmsKeys: v.array(kmsKeyArn).default([]),
      environmentFiles: v.array(s3ObjectArn).default([]),
      ecrVpcEndpoints: v
        .array(v.string().regex(/^vpce-[0-9a-f]{8,17}$/, "is not a VPC endpoint id"))
        .default([]),
      ecrVpcs: v.array(v.string().regex(/^vpc-[0-9a-f]{8,17}$/, "is not a VPC id")).default([]),
    })
    .prefault({}),
  taskRoles: v
    .array(
      v.strictObject({
        name: roleName,
        path: iamPath.default("/"),
        permissionsBoundary: boundaryArn.optional(),
        s3: v.array(s3Grant).default([]),
      }),
    )
    .default([]),
  host: hostSchema.prefault({}),
  /** Extra /etc/ecs/ecs.config keys (field notes §3): written as plain KEY=VALUE lines. */
  ecsConfig: v.record(ecsConfigKey, ecsConfigValue).default({}),
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
export type S3Grant = v.Infer<typeof s3Grant>;
export type TaskRoleConfig = Config["taskRoles"][number];
export type ExecutionRoleConfig = Config["executionRole"];
export type InstanceRoleConfig = Config["instanceRole"];
export type HostConfig = Config["host"];
export type HealthConfig = Config["health"];
export type EndpointsConfig = Config["endpoints"];

export const MANAGED_BY_TAG = { key: "ManagedBy", value: "ecs-anywhere-agent" } as const;
