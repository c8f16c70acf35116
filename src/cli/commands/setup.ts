import { runSetup } from "../../flows/setup.ts";
import type { Context } from "../context.ts";
import { withRun } from "../failure.ts";
import { printJson } from "../io.ts";
import { cloudDocument, renderCloud } from "../render.ts";

/** `setup`: converge roles, policies and the cluster; `--dry-run` stops after the plan. */
export default async function setup(ctx: Context): Promise<number> {
  const run = await runSetup(ctx);
  if (run.report.failure) throw withRun(run.report.failure.error, run.report);
  if (ctx.output === "json") printJson(ctx.io, cloudDocument(run, ctx.dryRun));
  else ctx.io.out(renderCloud(run, ctx.dryRun));
  return 0;
}
