import { constants, readFileSync } from "node:fs";
import { access, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { createAwsPorts } from "../adapters/aws/clients.ts";
import type { AwsPorts } from "../adapters/aws/ports.ts";
import { ALL_REGIONS, isKnownRegion } from "../adapters/aws/regions.ts";
import { INPUT_FILE_LIMIT, refuseUnlessRegular } from "../adapters/host/file-error.ts";
import type { GlobalOptions } from "../cli/context.ts";
import { resolveProxy } from "../components/proxy/settings.ts";
import { profileRegion } from "../config/aws-profile.ts";
import { sdkEndpoints } from "../config/endpoints.ts";
import { ConfigError, type FlagValues, loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { closestNames, didYouMean } from "../util/closest.ts";
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

/** A place a region may come from after the config's own (e.g. the region recorded in an activation file). */
export interface RegionSource {
  /** How the operator would name the place, e.g. "--activation-file". */
  label: string;
  region: string | undefined;
}

/**
 * The region: the config's (flags > ECS_ANYWHERE_REGION > config file > AWS_REGION > AWS_DEFAULT_REGION), else
 * the `region` of the profile in the AWS config file (field notes §5.11), else `more`, in order. A region no
 * supported partition has is bad input, found before any AWS call.
 */
export function requireRegion(
  config: Config,
  env: Record<string, string | undefined> = {},
  more: readonly RegionSource[] = [],
): string {
  const profile = config.profile ?? env.AWS_PROFILE ?? "default";
  const file = awsConfigFile(env);
  const found =
    config.region ?? readProfileRegion(file, profile) ?? more.find((source) => source.region)?.region;
  if (!found) {
    const places = [
      "--region",
      "ECS_ANYWHERE_REGION",
      "region: in the config file",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
      `the region of profile ${profile} in ${file}`,
      ...more.map((source) => source.label),
    ];
    throw new UsageError(`region: not set; looked in ${places.join(", ")}`, {
      remediation: `pass --region (e.g. --region eu-west-1), set ECS_ANYWHERE_REGION, or add region = ... to [${profile === "default" ? "default" : `profile ${profile}`}] in ${file}`,
    });
  }
  return knownRegion(found);
}

function knownRegion(region: string): string {
  if (isKnownRegion(region)) return region;
  const close = closestNames(region, ALL_REGIONS);
  throw new UsageError(
    `region: ${region} is not a region of the aws, aws-cn or aws-us-gov partitions${close.length > 0 ? `; ${didYouMean(close)}` : ""}`,
    { remediation: "pass a region such as eu-west-1, us-east-1, cn-north-1 or us-gov-west-1 (--region)" },
  );
}

/** AWS_CONFIG_FILE, else ~/.aws/config (as the AWS CLI and SDKs read it). */
function awsConfigFile(env: Record<string, string | undefined>): string {
  return env.AWS_CONFIG_FILE ?? join(env.HOME ?? homedir(), ".aws", "config");
}

/** A missing or unreadable AWS config file simply names no region. */
function readProfileRegion(file: string, profile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  return profileRegion(text, profile);
}

/** --aws-timeout in ms (undefined: the clients' default); bad input when it is not a duration. */
export function parseAwsTimeout(options: Pick<GlobalOptions, "awsTimeout">): number | undefined {
  if (options.awsTimeout === undefined) return undefined;
  return durationFlag("--aws-timeout", options.awsTimeout, 0) * 1000;
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

/** --lock-timeout in ms: how long a command waits for another run's lock (60 s when absent). */
export function parseLockTimeout(value: string | undefined): number {
  return durationFlag("--lock-timeout", value, 60) * 1000;
}

/** A positive duration flag ("90s", "15m") in seconds; `fallback` when the flag is absent. */
export function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 90s, 15m)`);
  if (parsed <= 0) throw new UsageError(`${flag}: must be longer than 0s (e.g. 90s, 15m)`);
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
  app: Pick<App, "deps" | "options" | "redactor" | "log" | "progress">,
  config: Config,
  region: string,
  signal?: AbortSignal,
  paced = false,
): Promise<AwsPorts> {
  if (app.deps.createAws) return app.deps.createAws(config, region);
  const maxAttempts = parseMaxAttempts(app.options);
  const attemptTimeoutMs = parseAwsTimeout(app.options);
  const proxy = resolveProxy(config, app.deps.env);
  return createAwsPorts({
    region,
    ...(config.profile ? { profile: config.profile } : {}),
    env: app.deps.env,
    endpoints: sdkEndpoints(config.endpoints),
    redactor: app.redactor,
    log: app.log,
    progress: {
      clock: app.deps.clock,
      sink: app.progress,
    },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
    ...(signal ? { signal } : {}),
    ...(paced ? { pacing: { clock: app.deps.clock } } : {}),
    ...(proxy === undefined ? {} : { proxy }),
  });
}
