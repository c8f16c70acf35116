import { setupSteps } from "../../cloud/setup-steps.ts";
import { runSteps } from "../../engine/run.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { planDocument, renderPlan } from "../render.ts";
import { awsFor, loadConfigFor, parseMaxAttempts, requireRegion } from "./shared.ts";

/** `setup`: converge roles, policies and the cluster; `--dry-run` stops after the plan. */
export default async function setup(ctx: Context): Promise<number> {
  const config = loadConfigFor(ctx);
  const region = requireRegion(config);
  parseMaxAttempts(ctx);
  const aws = await awsFor(ctx, config, region);
  const identity = await aws.sts.getCallerIdentity();
  ctx.log.info({ account: identity.account, region, cluster: config.cluster }, "setup starting");
  const reports = await runSteps(setupSteps(config, region, identity, aws), {
    dryRun: ctx.dryRun,
    log: ctx.log,
  });
  if (ctx.output === "json") printJson(ctx.io, planDocument(reports, ctx.dryRun));
  else ctx.io.out(renderPlan(reports, ctx.dryRun));
  return 0;
}
