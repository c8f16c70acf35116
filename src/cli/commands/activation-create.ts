import { dirname, resolve } from "node:path";
import { type ActivationFlags, activationSettings, createActivation } from "../../activation/create.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { OperationError, UsageError } from "../../errors.ts";
import { resourceTags } from "../../reconcile/setup.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { awsFor, loadConfigFor, parseMaxAttempts, requireRegion } from "./shared.ts";

/** `activation create`: a single-use, short-lived activation for the instance role (facts §5). */
export default async function activationCreate(
  ctx: Context,
  options: ActivationFlags & { out?: string },
): Promise<number> {
  const config = loadConfigFor(ctx);
  const region = requireRegion(config);
  const settings = activationSettings(config, options);
  parseMaxAttempts(ctx);
  const outFile = options.out === undefined ? undefined : resolve(options.out);
  const files = new HostFs("/", ctx.deps.clock);
  if (outFile !== undefined && !(await files.exists(dirname(outFile)))) {
    throw new UsageError(`--out: folder does not exist: ${dirname(outFile)}`);
  }
  if (ctx.dryRun) {
    const summary = `create an activation for role ${config.instanceRole.name} in ${region}: ${settings.registrationLimit} registration(s), expires in ${settings.expiresIn}s`;
    if (ctx.output === "json") {
      printJson(ctx.io, {
        dryRun: true,
        changes: [{ id: "activation", action: "create", summary, reason: "requested" }],
      });
    } else ctx.io.out(`Plan (dry run: nothing was changed):\n  + ${summary}`);
    return 0;
  }
  const aws = await awsFor(ctx, config, region);
  const activation = await createActivation(
    aws.ssm,
    { roleName: config.instanceRole.name, region, settings, tags: resourceTags(config) },
    ctx.deps.clock,
    ctx.redactor,
  );
  ctx.log.info(
    { activationId: activation.activationId, expiresAt: activation.expiresAt },
    "activation created",
  );
  const publicPart = {
    activationId: activation.activationId,
    expiresAt: activation.expiresAt,
    registrationLimit: activation.registrationLimit,
    region,
  };
  if (outFile !== undefined) {
    try {
      await files.writeFileAtomic(outFile, `${JSON.stringify(activation, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      // Nobody will ever see this code: do not leave a live activation behind.
      await aws.ssm.deleteActivation(activation.activationId);
      throw new OperationError(
        `--out: could not write ${outFile} (${(error as Error).message}); the activation was deleted`,
      );
    }
    if (ctx.output === "json") printJson(ctx.io, { ...publicPart, file: outFile });
    else
      ctx.io.out(
        `Activation ${activation.activationId} written to ${outFile} (mode 0600); expires ${activation.expiresAt}.`,
      );
    return 0;
  }
  // The code is the product of this command: it goes to stdout only, never to logs (the redactor knows it).
  const raw = { ...publicPart, activationCode: activation.activationCode };
  if (ctx.output === "json") ctx.deps.stdout(`${JSON.stringify(raw, null, 2)}\n`);
  else {
    ctx.deps.stdout(
      [
        `Activation created for role ${config.instanceRole.name} in ${region}.`,
        `  activation id:      ${activation.activationId}`,
        `  activation code:    ${activation.activationCode}`,
        `  expires at:         ${activation.expiresAt}`,
        `  registration limit: ${activation.registrationLimit}`,
        "Keep the code secret; prefer --out FILE to keep it off the terminal.",
        "",
      ].join("\n"),
    );
  }
  return 0;
}
