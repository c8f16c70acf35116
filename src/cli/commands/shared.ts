import { createAwsPorts } from "../../adapters/aws/clients.ts";
import type { AwsPorts } from "../../adapters/aws/ports.ts";
import { ConfigError, loadConfig } from "../../config/load.ts";
import type { Config } from "../../config/schema.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";

/** Loads and validates the configuration; any problem is the user's (exit 2) and names the field. */
export function loadConfigFor(ctx: Context, extraFlags: Record<string, unknown> = {}): Config {
  const { region, cluster, profile, config } = ctx.options;
  try {
    return loadConfig({
      ...(config === undefined ? {} : { file: config }),
      flags: {
        ...(region ? { region } : {}),
        ...(cluster ? { cluster } : {}),
        ...(profile ? { profile } : {}),
        ...extraFlags,
      },
      env: ctx.deps.env,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
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

export function parseMaxAttempts(ctx: Context): number | undefined {
  const raw = ctx.options.maxAttempts;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 20) {
    throw new UsageError("--max-attempts: must be a whole number from 1 to 20");
  }
  return value;
}

export async function awsFor(ctx: Context, config: Config, region: string): Promise<AwsPorts> {
  if (ctx.deps.createAws) return ctx.deps.createAws(config, region);
  const maxAttempts = parseMaxAttempts(ctx);
  return createAwsPorts({
    region,
    ...(config.profile ? { profile: config.profile } : {}),
    env: ctx.deps.env,
    redactor: ctx.redactor,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}
