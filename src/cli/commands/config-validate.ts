import { stringify } from "yaml";
import { describeConfig } from "../../config/load.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";

/** `config validate`: the resolved configuration (no secrets), or exit 2 naming the bad field. */
export default async function configValidate(ctx: Context): Promise<number> {
  const resolved = describeConfig(ctx.config());
  if (ctx.output === "json") printJson(ctx.io, { valid: true, config: resolved });
  else
    ctx.io.out(`# configuration is valid; resolved (flags > env > file > defaults):\n${stringify(resolved)}`);
  return 0;
}
