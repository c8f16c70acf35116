import { runSweep } from "../../flows/setup.ts";
import type { Context } from "../context.ts";
import { withRun } from "../failure.ts";
import { printJson } from "../io.ts";
import { cloudDocument, renderCloud } from "../render.ts";

/** `activation sweep`: delete the agent's activations that are expired or fully used. */
export default async function activationSweep(ctx: Context): Promise<number> {
  const run = await runSweep(ctx);
  if (run.report.failure) throw withRun(run.report.failure.error, run.report);
  if (ctx.output === "json") printJson(ctx.io, cloudDocument(run, ctx.dryRun));
  else ctx.io.out(renderCloud(run, ctx.dryRun));
  return 0;
}
