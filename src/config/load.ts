import { formatDuration } from "../util/duration.ts";
import { envValue, REGION_FALLBACK_ENV, readEnvSettings } from "./env.ts";
import { ConfigError, combineErrors } from "./errors.ts";
import { type ConfigFileSources, type LoadedFile, loadFile } from "./file.ts";
import { friendlyMessage, issueToErrors, type Origin } from "./issues.ts";
import { maskEcsConfig, maskSecrets, maskUrl, SECRET_CONFIG_PATHS } from "./mask.ts";
import { type Config, configSchema } from "./schema.ts";
import type { Issue } from "./validate-issues.ts";
import { isPlainObject } from "./values.ts";

export { ConfigError, type ConfigProblem } from "./errors.ts";
export { formatPath } from "./issues.ts";
export { maskSecrets } from "./mask.ts";

/** Command-line flags that set config values. */
export interface FlagValues {
  region: string;
  cluster: string;
  profile: string;
  dockerInstallSource: string;
  installScriptUrl: string;
}

export interface FlagBinding {
  /** The flag as the operator types it, used in error messages. */
  readonly flag: string;
  /** Where the value goes in the config file's structure. */
  readonly path: readonly string[];
}

/** Where each flag lands in the config. Adding a field to FlagValues without a row here fails to compile. */
export const FLAG_BINDINGS: { readonly [K in keyof FlagValues]-?: FlagBinding } = {
  region: { flag: "--region", path: ["region"] },
  cluster: { flag: "--cluster", path: ["cluster"] },
  profile: { flag: "--profile", path: ["profile"] },
  dockerInstallSource: { flag: "--docker-install-source", path: ["host", "dockerInstallSource"] },
  installScriptUrl: { flag: "--install-script-url", path: ["host", "installScript", "url"] },
};

export interface ConfigSources extends ConfigFileSources {
  /** Parsed flags; undefined entries are ignored, and so is anything not in FLAG_BINDINGS. */
  flags: Partial<FlagValues>;
}

/**
 * Resolves the configuration: flags > ECS_ANYWHERE_* environment > config file > AWS_REGION /
 * AWS_DEFAULT_REGION (region only) > schema defaults, then validates it with the schema.
 * Throws one ConfigError listing every problem found (see combineErrors): each bad value once, with its path,
 * the flag or variable it came from or its line in the file. A file that cannot be read or parsed is one
 * problem (nothing in it can be checked), listed with the environment's.
 */
export function loadConfig(sources: ConfigSources): Config {
  const { settings: envSettings, errors } = readEnvSettings(sources.env);
  let file: LoadedFile | undefined;
  try {
    file = loadFile(sources);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    errors.push(error);
  }
  const raw: Record<string, unknown> = file?.data ?? {};
  const origins = new Map<string, Origin>();
  const put = (path: readonly string[], value: unknown, label: string) => {
    if (place(raw, path, value)) origins.set(path.join("\u0000"), { path, label });
  };

  for (const setting of envSettings) put(setting.path, setting.value, setting.name);
  for (const [name, binding] of Object.entries(FLAG_BINDINGS) as [keyof FlagValues, FlagBinding][]) {
    const value = sources.flags[name];
    if (value !== undefined) put(binding.path, value, binding.flag);
  }
  if (raw.region === undefined) {
    const fallback = REGION_FALLBACK_ENV.find((name) => envValue(sources.env, name) !== undefined);
    if (fallback !== undefined) put(["region"], envValue(sources.env, fallback), fallback);
  }

  const result = configSchema.safeParse(raw, { error: friendlyMessage });
  if (!result.success) errors.push(...schemaErrors(result.error.issues, [...origins.values()], file, errors));
  const [first, ...more] = errors;
  if (first !== undefined) throw combineErrors([first, ...more], file?.path);
  if (!result.success) throw new ConfigError("", "config: invalid configuration");
  return result.data;
}

/**
 * One error per bad value, in reading order: flags' and variables' first, then the file's by line. A value
 * the schema finds several things wrong with is reported once (its first issue), and so is a value an environment
 * variable already failed to give (`reported`).
 */
function schemaErrors(
  issues: readonly Issue[],
  origins: readonly Origin[],
  file: LoadedFile | undefined,
  reported: readonly ConfigError[],
): ConfigError[] {
  const seen = new Set(reported.map((error) => error.path));
  const errors: ConfigError[] = [];
  for (const issue of issues) {
    for (const error of issueToErrors(issue, origins, file)) {
      if (seen.has(error.path)) continue;
      seen.add(error.path);
      errors.push(error);
    }
  }
  const rank = (error: ConfigError) => {
    const [problem] = error.problems;
    return problem?.file === undefined ? -1 : (problem.line ?? Number.MAX_SAFE_INTEGER);
  };
  return errors.sort((a, b) => rank(a) - rank(b)); // a stable sort: the schema's order among equals
}

/**
 * The resolved config as `config validate` shows it: plain data that is itself a valid config file
 * (durations are written back as text such as "1h"), with every secret masked.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const described = structuredClone(config) as Record<string, unknown>;
  described.activation = { ...config.activation, expiresIn: formatDuration(config.activation.expiresIn) };
  const { installScript } = config.host;
  described.host = {
    ...config.host,
    verifyTimeout: formatDuration(config.host.verifyTimeout),
    installScript: {
      ...installScript,
      url: maskUrl(installScript.url),
      ...(installScript.gpgKeyUrl === undefined ? {} : { gpgKeyUrl: maskUrl(installScript.gpgKeyUrl) }),
      timeout: formatDuration(installScript.timeout),
    },
  };
  described.health = {
    ...config.health,
    interval: formatDuration(config.health.interval),
    probeTimeout: formatDuration(config.health.probeTimeout),
    repairTimeout: formatDuration(config.health.repairTimeout),
  };
  described.ecsConfig = maskEcsConfig(config.ecsConfig);
  // field notes §10: a proxy URL may carry a password.
  if (config.proxy !== undefined) {
    const { http, https } = config.proxy;
    described.proxy = {
      ...config.proxy,
      ...(https === undefined ? {} : { https: maskUrl(https) }),
      ...(http === undefined ? {} : { http: maskUrl(http) }),
    };
  }
  return maskSecrets(described, SECRET_CONFIG_PATHS);
}

/**
 * Sets `value` at `path`, creating mappings on the way. When the file put something other than a mapping
 * on the way (say `activation: 5`) nothing is set, so validation reports the file's mistake.
 */
function place(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let current = target;
  for (const [index, segment] of path.entries()) {
    if (index === path.length - 1) {
      current[segment] = value;
      return true;
    }
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else if (isPlainObject(next)) {
      current = next;
    } else {
      return false;
    }
  }
  return false;
}
