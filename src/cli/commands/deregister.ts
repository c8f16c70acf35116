import { HostFs } from "../../adapters/host/fs.ts";
import { decideAwsAccess } from "../../deregister/aws-access.ts";
import { deregister } from "../../deregister/deregister.ts";
import { observeForDeregister, recordedRegion } from "../../deregister/observe.ts";
import { deregisterDocument, renderDeregisterReport } from "../../deregister/report.ts";
import { UsageError } from "../../errors.ts";
import { acquireLock } from "../../register/lock.ts";
import { parseDuration } from "../../util/duration.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { buildHostContext } from "./host.ts";
import { hasCredentials } from "./register.ts";
import { awsFor, loadConfigFor, requireRegion } from "./shared.ts";

export interface DeregisterOptions {
  root?: string;
  ecsAgentUrl?: string;
  drain?: boolean;
  drainTimeout?: string;
  force?: boolean;
  purge?: boolean;
  localOnly?: boolean;
  lockTimeout?: string;
}

/**
 * `deregister`: take this host out of ECS and SSM and reset it locally. Runs every action even when one
 * fails and reports each; exit 0 when none failed, 1 otherwise. Safe to repeat (a re-run is all not-needed).
 */
export default async function deregisterCommand(ctx: Context, options: DeregisterOptions): Promise<number> {
  const config = loadConfigFor(ctx);
  const drainTimeoutMs = seconds("--drain-timeout", options.drainTimeout, 600) * 1000;
  const lockTimeoutMs = seconds("--lock-timeout", options.lockTimeout, 60) * 1000;
  // facts §4: the host records its region (state.json, the SSM registration file); flags/config win.
  const region =
    config.region ??
    (await recordedRegion(new HostFs(options.root ?? "/", ctx.deps.clock))) ??
    requireRegion(config);
  const hostCtx = region === config.region ? ctx : { ...ctx, options: { ...ctx.options, region } };
  const { host } = await buildHostContext(hostCtx, options);

  const lock = ctx.dryRun
    ? undefined
    : await acquireLock(host.fs, host.system, host.clock, "deregister", lockTimeoutMs);
  try {
    const observed = await observeForDeregister(host);
    const aws = decideAwsAccess({
      localOnly: options.localOnly ?? false,
      hasCredentials: hasCredentials(ctx.deps.env, config.profile),
      region,
      ports: (callRegion) => awsFor(ctx, config, callRegion),
    });
    const report = await deregister(
      {
        drain: options.drain ?? false,
        drainTimeoutMs,
        force: options.force ?? false,
        purge: options.purge ?? false,
        dryRun: ctx.dryRun,
      },
      { host, aws, observed },
    );
    if (ctx.output === "json") printJson(ctx.io, deregisterDocument(report));
    else ctx.io.out(renderDeregisterReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await lock?.release();
  }
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed <= 0)
    throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 90s, 10m)`);
  return parsed;
}
