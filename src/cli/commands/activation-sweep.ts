import { sweepStep } from "../../cloud/activation-sweep.ts";
import { runSteps } from "../../engine/run.ts";
import type { Step } from "../../engine/step.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { planDocument, renderPlan } from "../render.ts";
import { awsFor, loadConfigFor, parseMaxAttempts, requireRegion } from "./shared.ts";

/** `activation sweep`: delete the agent's activations that are expired or fully used. */
export default async function activationSweep(ctx: Context): Promise<number> {
  const config = loadConfigFor(ctx);
  const region = requireRegion(config);
  parseMaxAttempts(ctx);
  const aws = await awsFor(ctx, config, region);
  const step = sweepStep(aws.ssm, () => ctx.deps.clock.now()) as Step<unknown>;
  const reports = await runSteps([step], { dryRun: ctx.dryRun, log: ctx.log });
  if (ctx.output === "json") printJson(ctx.io, planDocument(reports, ctx.dryRun));
  else ctx.io.out(renderPlan(reports, ctx.dryRun));
  return 0;
}
