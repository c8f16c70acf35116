// The sections about the host itself: the settings `register` and the daemon use, the extra ecs.config keys
// and the daemon's health checks.
import { DEFAULT_INSTALL_SCRIPT_URL } from "../checks/endpoints.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../components/install-script/verify.ts";
import { ECS_LOG_LEVELS } from "../ecsconfig/desired.ts";
import { KEY_PATTERN } from "../ecsconfig/keys.ts";
import { duration, tags } from "./schema-values.ts";
import * as v from "./validate.ts";

/** Host-side settings used by `register` and the daemon (field notes §1 flags, §3 ecs.config keys). */
export const hostSchema = v.strictObject({
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

// field notes §8.8: lower-case keys such as http_proxy are legal; a digit first or any other character is not.
const ecsConfigKey = v
  .string()
  .regex(KEY_PATTERN, 'must be an ecs.config key: letters, digits and "_", not starting with a digit');
// field notes §3.2: ecs-init trims each line, so ` 30m` would keep its space and `30m ` would lose it.
const ecsConfigValue = v
  .string()
  .regex(/^[^\n\r]*$/, "must be one line")
  .regex(/^(\S([\s\S]*\S)?)?$/, "must not begin or end with white space");
/** Extra /etc/ecs/ecs.config keys (field notes §3): written as plain KEY=VALUE lines. */
export const ecsConfigSchema = v.record(ecsConfigKey, ecsConfigValue);

/** The daemon (field notes §9): probe cadence, the health endpoint, opt-in control-plane checks, repairs. */
export const healthSchema = v.strictObject({
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
