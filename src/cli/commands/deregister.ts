import { HostFs } from "../../adapters/host/fs.ts";
import { buildHost } from "../../app/host-build.ts";
import { durationFlag, parseAwsTimeout, parseLockTimeout, parseMaxAttempts } from "../../app/settings.ts";
import { lockFor } from "../../components/agent-state/lock.ts";
import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { decideAwsAccess } from "../../flows/deregister/aws-access.ts";
import { deregister } from "../../flows/deregister/deregister.ts";
import { observeForDeregister, recordedRegion } from "../../flows/deregister/observe.ts";
import { renderDeregisterReport } from "../../flows/deregister/report.ts";
import type { Context } from "../context.ts";
import { hostOptions } from "../host-flags.ts";
import { printJson } from "../io.ts";

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
  const config = ctx.config();
  // AWS ports are built lazily, after local actions may have run: bad AWS flags must fail first.
  parseMaxAttempts(ctx.options);
  parseAwsTimeout(ctx.options);
  const drainTimeoutMs = durationFlag("--drain-timeout", options.drainTimeout, 600) * 1000;
  const lockTimeoutMs = parseLockTimeout(options.lockTimeout);
  // field notes §4: the host records its region (state.json, the SSM registration file); flags/config win.
  const host0 = hostOptions(options);
  const region =
    config.region ?? (await recordedRegion(new HostFs(host0.root ?? "/", ctx.clock))) ?? ctx.region();
  const { host } = await buildHost(ctx, host0, region);

  const lock = await lockFor(host, "deregister", lockTimeoutMs, ctx.dryRun);
  let purged = false;
  try {
    const observed = await observeForDeregister(host);
    const aws = decideAwsAccess({
      localOnly: options.localOnly ?? false,
      hasCredentials: ctx.hasAwsCredentials(),
      region,
      ports: (callRegion) => ctx.aws(callRegion),
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
    purged = report.steps.some((step) => step.id === "purge" && step.status === "changed");
    if (ctx.output === "json") printJson(ctx.io, report);
    else
      ctx.io.out(
        renderDeregisterReport(report, { containerInstanceArn: observed.containerInstance?.arn, region }),
      );
    return report.ok ? 0 : 1;
  } finally {
    await lock?.release();
    // purge empties the agent's own folder but the lock this run held in it: the folder goes after the lock.
    if (purged) await host.fs.removeEmptyDir(AGENT_STATE.dir);
  }
}
