import { HostFs } from "../../adapters/host/fs.ts";
import { createSystemd } from "../../adapters/host/systemd.ts";
import type { HostContext } from "../../app/host.ts";
import type { CheckContext } from "../../checks/index.ts";
import type { Config } from "../../config/schema.ts";
import type { Context } from "../context.ts";
import { buildCheckContext, type CheckOptions } from "./check.ts";
import { childEnvironment } from "./shared.ts";

/**
 * The host as register/deregister use it, built from the same options as `check` (--root, --ecs-agent-url):
 * every path under the root, every process through the one exec adapter with the operator's environment.
 */
export async function buildHostContext(
  ctx: Context,
  options: CheckOptions,
  loaded: { config: Config; region: string },
): Promise<{ host: HostContext; checkContext: CheckContext; warnings: string[] }> {
  const warnings: string[] = [];
  const checkContext = await buildCheckContext(ctx, options, loaded);
  // checkContext.run already hands the operator's environment, minus credentials, to every child process.
  const { run } = checkContext;
  const host: HostContext = {
    fs: checkContext.fs,
    files: new HostFs("/", ctx.deps.clock),
    run,
    systemd: createSystemd({ run, redactor: ctx.redactor }),
    introspection: checkContext.introspection,
    system: checkContext.system,
    clock: ctx.deps.clock,
    redactor: ctx.redactor,
    env: childEnvironment(ctx.deps.env),
    log: ctx.log,
    progress: (line) => (ctx.output === "text" ? ctx.io.err(line) : ctx.log.debug({ line }, "progress")),
    warn: (message) => {
      warnings.push(message);
      ctx.io.err(`WARNING: ${message}`);
    },
  };
  return { host, checkContext, warnings };
}
