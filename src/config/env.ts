import { ConfigError, problemError, showValue, suggest } from "./errors.ts";

export const ENV_PREFIX = "ECS_ANYWHERE_";

/** How an environment variable's text becomes a config value. */
export type EnvKind = "string" | "number";

export interface EnvBinding {
  readonly name: string;
  /** Where the value goes in the config file's structure. */
  readonly path: readonly string[];
  readonly kind: EnvKind;
}

/** Every ECS_ANYWHERE_* variable that sets a config value. Add a row here to expose another setting. */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: "ECS_ANYWHERE_REGION", path: ["region"], kind: "string" },
  { name: "ECS_ANYWHERE_CLUSTER", path: ["cluster"], kind: "string" },
  { name: "ECS_ANYWHERE_PROFILE", path: ["profile"], kind: "string" },
  { name: "ECS_ANYWHERE_INSTANCE_ROLE_NAME", path: ["instanceRole", "name"], kind: "string" },
  { name: "ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS", path: ["instanceRole", "permissions"], kind: "string" },
  { name: "ECS_ANYWHERE_EXECUTION_ROLE_NAME", path: ["executionRole", "name"], kind: "string" },
  { name: "ECS_ANYWHERE_ACTIVATION_EXPIRES_IN", path: ["activation", "expiresIn"], kind: "string" },
  {
    name: "ECS_ANYWHERE_ACTIVATION_REGISTRATION_LIMIT",
    path: ["activation", "registrationLimit"],
    kind: "number",
  },
  {
    name: "ECS_ANYWHERE_ACTIVATION_DEFAULT_INSTANCE_NAME",
    path: ["activation", "defaultInstanceName"],
    kind: "string",
  },
];

/** ECS_ANYWHERE_* names that are not config values but must not be rejected as unknown. */
export const RESERVED_ENV = {
  /** Secret; read by the activation code, never by the config loader. */
  activationCode: "ECS_ANYWHERE_ACTIVATION_CODE",
  /** Alternative config file path, used when no --config flag is given. */
  configFile: "ECS_ANYWHERE_CONFIG",
  logLevel: "ECS_ANYWHERE_LOG_LEVEL",
  /** The default of --output (text or json). */
  output: "ECS_ANYWHERE_OUTPUT",
  /** Where preflight probes the install script's download hosts instead (a mirror, a test server). */
  probeSigningKeysUrl: "ECS_ANYWHERE_PROBE_SIGNING_KEYS_URL",
  probeDockerUrl: "ECS_ANYWHERE_PROBE_DOCKER_URL",
  /** Variables child processes may inherit beyond the built-in allow-list (app/settings.ts). */
  passEnv: "ECS_ANYWHERE_PASS_ENV",
  /** Test failpoints of the daemon (field notes §9.6). */
  failpoints: "ECS_ANYWHERE_FAILPOINTS",
} as const;

/** Region fallbacks, in order, used only when neither flags, ECS_ANYWHERE_REGION nor the file name a region. */
export const REGION_FALLBACK_ENV = ["AWS_REGION", "AWS_DEFAULT_REGION"] as const;

const KNOWN_NAMES: ReadonlySet<string> = new Set([
  ...ENV_BINDINGS.map((binding) => binding.name),
  ...Object.values(RESERVED_ENV),
]);

/** A config value taken from the environment. */
export interface EnvSetting {
  readonly name: string;
  readonly path: readonly string[];
  readonly value: string | number;
}

/** Reads a variable; empty values count as unset (as with `FOO= command`). */
export function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** What the ECS_ANYWHERE_* variables set, and what is wrong with them. */
export interface EnvReading {
  readonly settings: EnvSetting[];
  /** One per ECS_ANYWHERE_* variable nobody reads (usually a typo) and per number variable that is not one. */
  readonly errors: ConfigError[];
}

/** The config values set through ECS_ANYWHERE_* variables, converted to their kinds, and every problem. */
export function readEnvSettings(env: Record<string, string | undefined>): EnvReading {
  const errors: ConfigError[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || KNOWN_NAMES.has(name) || env[name] === undefined) continue;
    const guess = suggest(name, KNOWN_NAMES);
    const hint = guess
      ? `did you mean ${guess}?`
      : "ecs-anywhere-agent does not read it; unset it or correct the name";
    errors.push(problemError({ path: name, message: `unknown environment variable (${hint})` }));
  }
  const settings: EnvSetting[] = [];
  for (const binding of ENV_BINDINGS) {
    const text = envValue(env, binding.name);
    if (text === undefined) continue;
    const value = convert(binding, text);
    if (value instanceof ConfigError) errors.push(value);
    else settings.push({ name: binding.name, path: binding.path, value });
  }
  return { settings, errors };
}

function convert(binding: EnvBinding, text: string): string | number | ConfigError {
  switch (binding.kind) {
    case "string":
      return text;
    case "number": {
      const trimmed = text.trim();
      if (!/^[+-]?\d+(\.\d+)?$/.test(trimmed)) {
        return problemError({
          path: binding.path.join("."),
          message: `${binding.name}: must be a number (got ${showValue(text)})`,
        });
      }
      return Number(trimmed);
    }
  }
}
