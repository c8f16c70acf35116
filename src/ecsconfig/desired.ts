/** The levels the agent accepts for ECS_LOGLEVEL, in any case (field notes §8.8); `none` turns logging off. */
export const ECS_LOG_LEVELS = ["crit", "error", "warn", "info", "debug", "none"] as const;
export type EcsLogLevel = (typeof ECS_LOG_LEVELS)[number];

export interface DesiredEcsConfigOptions {
  cluster: string;
  region?: string;
  logLevel?: EcsLogLevel;
  instanceTags?: Readonly<Record<string, string>>;
  instanceAttributes?: Readonly<Record<string, string>>;
  enableGpu?: boolean;
  reservedMemoryMiB?: number;
  /** HTTP_PROXY, HTTPS_PROXY and NO_PROXY (field notes §10.1, §10.2), when a proxy is configured. */
  proxy?: Readonly<Record<string, string>>;
  /** Any other keys; the typed options above win over them. */
  extra?: Readonly<Record<string, string>>;
}

/**
 * The keys the agent manages in /etc/ecs/ecs.config, in a stable order. Pure: run
 * validateEcsConfigValues on the result before writing it.
 */
export function desiredEcsConfig(options: DesiredEcsConfigOptions): Record<string, string> {
  const extra = options.extra ?? {};
  const typed: Record<string, string | undefined> = {
    ECS_CLUSTER: options.cluster,
    // field notes §3: required in external mode.
    AWS_DEFAULT_REGION: options.region,
    ECS_LOGLEVEL: options.logLevel,
    // field notes §1 (last bullet): the install script never writes it, and awslogs needs it on external hosts (§5).
    ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: extra.ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE ?? "true",
    ECS_ENABLE_GPU_SUPPORT: options.enableGpu === undefined ? undefined : String(options.enableGpu),
    ECS_RESERVED_MEMORY:
      options.reservedMemoryMiB === undefined ? undefined : String(options.reservedMemoryMiB),
    // field notes §3: only applied at first registration / must exist before registration.
    ECS_INSTANCE_ATTRIBUTES: renderStringMap(options.instanceAttributes),
    ECS_CONTAINER_INSTANCE_TAGS: renderStringMap(options.instanceTags),
    ...options.proxy,
  };
  const desired: Record<string, string> = {};
  for (const [key, value] of Object.entries(typed)) {
    if (value !== undefined) desired[key] = value;
  }
  for (const key of Object.keys(extra).sort()) {
    if (!Object.hasOwn(desired, key)) desired[key] = extra[key] as string;
  }
  return desired;
}

/** Compact JSON with sorted keys, so the same tags always render the same line. */
function renderStringMap(map: Readonly<Record<string, string>> | undefined): string | undefined {
  if (map === undefined || Object.keys(map).length === 0) return undefined;
  const sorted = Object.keys(map)
    .sort()
    .map((key) => [key, map[key]]);
  return JSON.stringify(Object.fromEntries(sorted));
}
