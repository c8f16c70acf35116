import { resolve } from "node:path";
import { runDaemon } from "../../daemon/daemon.ts";
import { failpointsOf } from "../../engine/failpoints.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";
import { VERSION } from "../main.ts";
import { hostOptions, parseUrl } from "./check.ts";

/** `daemon`: see src/daemon/daemon.ts. */
export default async function daemon(ctx: Context, raw: Record<string, unknown>): Promise<number> {
  const text = (key: string, flag: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || typeof value === "string") return value;
    throw new UsageError(`${flag}: expects one value`);
  };
  const root = text("root", "--root");
  const ecsAgentUrl = text("ecsAgentUrl", "--ecs-agent-url");
  const listen = text("listen", "--listen");
  const activationFile = text("activationFile", "--activation-file");
  if (activationFile !== undefined && raw.registerOnStart !== true) {
    throw new UsageError("--activation-file goes with --register-on-start");
  }
  if (ecsAgentUrl !== undefined) parseUrl("--ecs-agent-url", ecsAgentUrl);
  const host = hostOptions({
    ...(root === undefined ? {} : { root }),
    ...(ecsAgentUrl === undefined ? {} : { ecsAgentUrl }),
  });
  const failpoints = failpointsOf(ctx.deps.env);
  return runDaemon(ctx, {
    ...host,
    ...(listen === undefined ? {} : { listen }),
    version: VERSION,
    ...(ctx.deps.onReload ? { onReload: ctx.deps.onReload } : {}),
    ...(failpoints.size > 0 ? { failpoints } : {}),
    ...(raw.registerOnStart === true
      ? {
          registerOnStart: async () => {
            const { default: register } = await import("./register.ts");
            return register(ctx, {
              ...(root === undefined ? {} : { root }),
              ...(ecsAgentUrl === undefined ? {} : { ecsAgentUrl }),
              ...(activationFile === undefined
                ? {}
                : { activationFile: resolve(activationFile), deleteActivation: true }),
            });
          },
        }
      : {}),
  });
}
