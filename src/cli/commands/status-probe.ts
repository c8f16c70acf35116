import { buildHost } from "../../app/host-build.ts";
import type { Config } from "../../config/schema.ts";
import { configuredRegion, daemonRegion, probeContexts } from "../../daemon/context.ts";
import { ProbeLoop } from "../../daemon/loop.ts";
import { PROBES } from "../../daemon/probes.ts";
import { RepairPolicy } from "../../daemon/repair.ts";
import type { DaemonStatus } from "../../daemon/status.ts";
import type { Context } from "../context.ts";
import type { hostOptions } from "../host-flags.ts";
import { VERSION } from "../main.ts";

/** `status` without a daemon answering: the daemon's probes, once, read-only (nothing is repaired). */
export async function probeOnce(
  ctx: Context,
  host: ReturnType<typeof hostOptions>,
  config: Config,
): Promise<DaemonStatus> {
  const region = configuredRegion(ctx);
  const built = await buildHost(ctx, host, region ?? "");
  const known = await daemonRegion(ctx, built);
  const observeOnly = { ...config, health: { ...config.health, repair: false } };
  const loop = new ProbeLoop(
    { config: observeOnly, context: probeContexts(ctx, built, observeOnly, known) },
    {
      probes: PROBES,
      clock: ctx.clock,
      // The report says what changed; the loop's "check changed" lines would say it again (kept with debug).
      log: ctx.log.isLevelEnabled("debug") ? ctx.log : ctx.log.child({}, { level: "error" }),
      policy: new RepairPolicy({ perHour: 1 }),
      version: VERSION,
    },
  );
  return loop.pass(ctx.signal);
}
