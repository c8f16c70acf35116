import { stringify } from "yaml";
import { configFileUsed } from "../../config/file.ts";
import { describeConfig } from "../../config/load.ts";
import type { Config } from "../../config/schema.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";

/**
 * `config validate`: the file it read (or that there was none, and where it looked), warnings on settings
 * left to a default the operator probably meant to set, and the resolved configuration (no secrets); or exit 2
 * naming the bad field.
 */
export default async function configValidate(ctx: Context): Promise<number> {
  const config = ctx.config();
  const file = configFileUsed({
    ...(ctx.options.config === undefined ? {} : { file: ctx.options.config }),
    env: ctx.deps.env,
  });
  const warnings = silentDefaults(ctx, config);
  const resolved = describeConfig(config);
  if (ctx.output === "json") {
    printJson(ctx.io, { valid: true, file, warnings, config: resolved });
    return 0;
  }
  for (const warning of warnings) ctx.io.err(`WARNING: ${warning}`);
  const source = file.found
    ? `# config file: ${file.path}`
    : file.path === "/dev/null"
      ? "# config file: none (--config /dev/null)"
      : `# config file: none found (looked for ${file.path})`;
  ctx.io.out(
    `# configuration is valid; resolved (flags > env > file > defaults):\n${source}\n${stringify(resolved, { logLevel: "error" })}`,
  );
  return 0;
}

/** Settings with a default that works but is rarely what an operator meant. */
function silentDefaults(ctx: Context, config: Config): string[] {
  const warnings: string[] = [];
  try {
    ctx.region();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // A bad region was already refused by the schema; this is the one that was never set.
    warnings.push(`${error.message}; every command that talks to AWS will refuse to run`);
  }
  if (config.cluster === "default") {
    warnings.push(
      "cluster: default (nothing set it, or it was set to default); set cluster: in the config file or pass --cluster",
    );
  }
  return warnings;
}
