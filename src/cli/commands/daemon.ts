import { resolve } from "node:path";
import { runDaemon } from "../../daemon/daemon.ts";
import { failpointsOf } from "../../engine/failpoints.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";
import { daemonHostFlags, textFlag } from "../host-flags.ts";
import { VERSION } from "../main.ts";

/** `daemon`: see src/daemon/daemon.ts. */
export default async function daemon(ctx: Context, raw: Record<string, unknown>): Promise<number> {
  const { flags, host } = daemonHostFlags(raw);
  const listen = textFlag(raw, "listen", "--listen");
  const activationFile = textFlag(raw, "activationFile", "--activation-file");
  if (activationFile !== undefined && raw.registerOnStart !== true) {
    throw new UsageError("--activation-file goes with --register-on-start");
  }
  const failpoints = failpointsOf(ctx.deps.env);
  ctx.deps.tuneDaemon?.();
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
              ...flags,
              ...(activationFile === undefined
                ? {}
                : { activationFile: resolve(activationFile), deleteActivation: true }),
            });
          },
        }
      : {}),
  });
}
