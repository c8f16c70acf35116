import type { RunCommand } from "../../adapters/host/exec.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { createSystemd } from "../../adapters/host/systemd.ts";
import type { CheckContext } from "../../preflight/index.ts";
import type { HostContext } from "../../register/host-context.ts";
import type { Context } from "../context.ts";
import { buildCheckContext, type CheckOptions } from "./check.ts";

/**
 * The host as register/deregister use it, built from the same options as `check` (--root, --ecs-agent-url):
 * every path under the root, every process through the one exec adapter with the operator's environment.
 */
export async function buildHostContext(
  ctx: Context,
  options: CheckOptions,
  overrides: Partial<CheckOptions> = {},
): Promise<{ host: HostContext; checkContext: CheckContext; warnings: string[] }> {
  const warnings: string[] = [];
  const checkContext = await buildCheckContext(ctx, { ...pickDefined(options), ...overrides });
  // checkContext.run already hands the operator's environment to every child process.
  const run: RunCommand = checkContext.run;
  const host: HostContext = {
    fs: checkContext.fs,
    files: new HostFs("/", ctx.deps.clock),
    run,
    systemd: createSystemd({ run, redactor: ctx.redactor }),
    introspection: checkContext.introspection,
    system: checkContext.system,
    clock: ctx.deps.clock,
    redactor: ctx.redactor,
    env: ctx.deps.env,
    log: ctx.log,
    progress: (line) => (ctx.output === "text" ? ctx.io.err(line) : ctx.log.debug({ line }, "progress")),
    warn: (message) => {
      warnings.push(message);
      ctx.io.err(`WARNING: ${message}`);
    },
  };
  return { host, checkContext, warnings };
}

function pickDefined(options: CheckOptions): CheckOptions {
  const keys = ["root", "ecsAgentUrl", "installScriptUrl", "installScript", "installScriptSha256"] as const;
  return Object.fromEntries(
    keys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]),
  );
}
