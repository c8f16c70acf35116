import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { createAwsPorts } from "../adapters/aws/clients.ts";
import type { AwsPorts } from "../adapters/aws/ports.ts";
import { INPUT_FILE_LIMIT, refuseUnlessRegular } from "../adapters/host/file-error.ts";
import type { GlobalOptions } from "../cli/context.ts";
import { ConfigError, type FlagValues, loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { parseDuration } from "../util/duration.ts";
import { operatorFileError } from "../util/files.ts";
import type { App } from "./app.ts";

/** Command flags that set config values (beyond the global --region, --cluster and --profile). */
export type ConfigFlags = Partial<Pick<FlagValues, "dockerInstallSource" | "installScriptUrl">>;

/** Loads and validates the configuration; any problem is the user's (exit 2) and names the field. */
export function loadConfigFor(
  env: Record<string, string | undefined>,
  options: Pick<GlobalOptions, "region" | "cluster" | "profile" | "config">,
  extraFlags: ConfigFlags = {},
): Config {
  const { region, cluster, profile, config } = options;
  try {
    return loadConfig({
      ...(config === undefined ? {} : { file: config }),
      flags: {
        ...(region ? { region } : {}),
        ...(cluster ? { cluster } : {}),
        ...(profile ? { profile } : {}),
        ...extraFlags,
      },
      env,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

export function requireRegion(config: Config): string {
  if (!config.region) {
    throw new UsageError(
      "region: not set; pass --region, set ECS_ANYWHERE_REGION or AWS_REGION, or put region: in the config file",
    );
  }
  return config.region;
}

export function parseMaxAttempts(options: Pick<GlobalOptions, "maxAttempts">): number | undefined {
  const raw = options.maxAttempts;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 20) {
    throw new UsageError("--max-attempts: must be a whole number from 1 to 20");
  }
  return value;
}

/** A positive duration flag ("90s", "15m") in seconds; `fallback` when the flag is absent. */
export function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed <= 0)
    throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 90s, 15m)`);
  return parsed;
}

/**
 * An operator file named by `flag` (a path as given) must be a readable regular file of at most 1 MiB: else
 * bad input (exit 2). A FIFO or device (/dev/zero) is refused here, before anything would block reading it.
 */
export async function requireReadableFile(flag: string, file: string | undefined): Promise<void> {
  if (file === undefined) return;
  try {
    refuseUnlessRegular(await stat(file), INPUT_FILE_LIMIT);
    await access(file, constants.R_OK);
  } catch (error) {
    throw operatorFileError(flag, file, error);
  }
}

/** Whether the operator's environment or config names AWS credentials (else AWS is not called at all). */
export function hasCredentials(
  env: Record<string, string | undefined>,
  profile: string | undefined,
): boolean {
  return Boolean(
    profile ||
      env.AWS_PROFILE ||
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );
}

export async function awsFor(
  app: Pick<App, "deps" | "options" | "redactor">,
  config: Config,
  region: string,
  signal?: AbortSignal,
): Promise<AwsPorts> {
  if (app.deps.createAws) return app.deps.createAws(config, region);
  const maxAttempts = parseMaxAttempts(app.options);
  return createAwsPorts({
    region,
    ...(config.profile ? { profile: config.profile } : {}),
    env: app.deps.env,
    redactor: app.redactor,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(signal ? { signal } : {}),
  });
}

// The agent's own AWS credentials and the activation code must not reach the install script, systemctl or the
// SSM agent: credentials in their environment would shadow the SSM-vended ones (field notes §6.3), and nothing there
// needs them.
const WITHHELD_FROM_CHILDREN = new Set([
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "ECS_ANYWHERE_ACTIVATION_CODE",
]);

/** The environment child processes get: the operator's, minus credentials and secrets. */
export function childEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !WITHHELD_FROM_CHILDREN.has(entry[0]),
    ),
  );
}
