import { ECS_LOG_LEVELS } from "./desired.ts";
import { describeValue, isSecretKey, KEY_PATTERN } from "./keys.ts";

export interface EcsConfigProblem {
  key: string;
  message: string;
}

type Check = (value: string) => string | undefined;

// field notes §3: Go strconv.ParseBool, Go time.ParseDuration, and the enumerations the agent accepts.
const GO_BOOLEANS = new Set("1 t T TRUE true True 0 f F FALSE false False".split(" "));
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const PULL_BEHAVIORS = ["default", "always", "once", "prefer-cached"];
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

const checkLogLevel: Check = (value) =>
  (ECS_LOG_LEVELS as readonly string[]).includes(value.toLowerCase())
    ? undefined
    : `must be one of ${ECS_LOG_LEVELS.join("|")} (in any case)`;

const checkBoolean: Check = (value) =>
  GO_BOOLEANS.has(value) ? undefined : "must be a boolean (true or false)";

const CHECKS: Record<string, Check> = {
  ECS_CLUSTER: (value) =>
    CLUSTER_NAME.test(value) ? undefined : "must be 1-255 letters, digits, hyphens or underscores",
  ECS_EXTERNAL: checkBoolean,
  // field notes §8.8: the agent lower-cases the level before it looks it up.
  ECS_LOGLEVEL: checkLogLevel,
  ECS_LOGLEVEL_ON_INSTANCE: checkLogLevel,
  ECS_IMAGE_PULL_BEHAVIOR: checkOneOf(PULL_BEHAVIORS),
  ECS_CONTAINER_STOP_TIMEOUT: (value) =>
    GO_DURATION.test(value) ? undefined : 'must be a Go duration such as "30s" or "2m"',
  ECS_RESERVED_MEMORY: (value) => (/^\d+$/.test(value) ? undefined : "must be a whole number of MiB"),
  ECS_RESERVED_PORTS: checkPortList,
  // field notes §3: invalid JSON here makes the agent exit and restart-loop.
  ECS_INSTANCE_ATTRIBUTES: (value) => checkStringMap(value, 0, 0),
  ECS_CONTAINER_INSTANCE_TAGS: (value) => checkStringMap(value, 128, 256),
  ECS_ENGINE_AUTH_DATA: (value) => (parseJson(value) === undefined ? "must be valid JSON" : undefined),
};

/**
 * Checks every key and value the agent would read and returns ALL problems (empty when valid).
 * Messages name the key and may quote the value, except for secret keys, whose value is never shown.
 */
export function validateEcsConfigValues(
  values: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): EcsConfigProblem[] {
  const problems: EcsConfigProblem[] = [];
  const pairs = values instanceof Map ? [...values] : Object.entries(values);
  for (const [key, value] of pairs) {
    const message = checkEntry(key, value);
    if (message !== undefined) problems.push({ key, message });
  }
  return problems;
}

function checkEntry(key: string, value: string): string | undefined {
  if (!KEY_PATTERN.test(key)) {
    return `${JSON.stringify(key)} is not a valid ecs.config key (letters, digits and "_", not starting with a digit)`;
  }
  if (/[\r\n]/.test(value)) return `the value of ${key} must not contain a line break`;
  // field notes §3.2: ecs-init trims the line, so trailing white space vanishes while leading white space stays.
  if (/^\s|\s$/.test(value)) return `the value of ${key} must not begin or end with white space`;
  const check = CHECKS[key] ?? (key.startsWith("ECS_ENABLE_") ? checkBoolean : undefined);
  const failure = check?.(value);
  if (failure === undefined) return undefined;
  const shown = isSecretKey(key) ? "" : ` (got: ${describeValue(key, value)})`;
  return `${key} ${failure}${shown}`;
}

function checkOneOf(allowed: string[]): Check {
  return (value) => (allowed.includes(value) ? undefined : `must be one of ${allowed.join("|")}`);
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function checkPortList(value: string): string | undefined {
  const ports = parseJson(value);
  const isPort = (port: unknown) =>
    Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535;
  if (Array.isArray(ports) && ports.every(isPort)) return undefined;
  return "must be a JSON array of port numbers, e.g. [22,2375,2376,51678,51679]";
}

/** A JSON object of string to string; a limit of 0 means unlimited. */
function checkStringMap(value: string, maxKey: number, maxValue: number): string | undefined {
  const parsed = parseJson(value);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return 'must be a JSON object of strings, e.g. {"team":"payments"}';
  }
  for (const [name, item] of Object.entries(parsed)) {
    if (typeof item !== "string") return `must map names to strings, but "${name}" is not a string`;
    if (maxKey > 0 && (name.length === 0 || name.length > maxKey)) {
      return `names must be 1-${maxKey} characters, but "${name.slice(0, 40)}" has ${name.length}`;
    }
    if (maxValue > 0 && item.length > maxValue) {
      return `values must be at most ${maxValue} characters, but the one for "${name}" has ${item.length}`;
    }
  }
  return undefined;
}
