import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { HostFs } from "../../adapters/host/fs.ts";
import { parseMaxAttempts } from "../../app/settings.ts";
import { type ActivationFlags, activationSettings, createActivation } from "../../cloud/activation.ts";
import { resourceTags } from "../../cloud/setup-steps.ts";
import { DRY_RUN_LINE, renderWhere } from "../../engine/render.ts";
import { describeError, OperationError, UsageError } from "../../errors.ts";
import { propagationWait } from "../../flows/setup.ts";
import { formatDuration } from "../../util/duration.ts";
import { readFailure } from "../../util/files.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";

/** `activation create`: a single-use, short-lived activation for the instance role (field notes §5). */
export default async function activationCreate(
  ctx: Context,
  options: ActivationFlags & { out?: string },
): Promise<number> {
  const config = ctx.config();
  const region = ctx.region();
  const settings = activationSettings(config, options);
  parseMaxAttempts(ctx.options);
  const outFile = options.out === undefined ? undefined : resolve(options.out);
  const files = new HostFs("/", ctx.deps.clock);
  if (outFile !== undefined) await checkOutFile(files, outFile);
  if (ctx.dryRun) {
    const summary = `create an activation for role ${config.instanceRole.name} in ${region}: ${settings.registrationLimit} registration(s), expires in ${formatDuration(settings.expiresIn)}`;
    if (ctx.output === "json") {
      printJson(ctx.io, {
        dryRun: true,
        changes: [{ id: "activation", action: "create", summary, reason: "requested" }],
      });
    } else ctx.io.out([`Plan for ${renderWhere({ region })}:`, `  + ${summary}`, DRY_RUN_LINE].join("\n"));
    return 0;
  }
  const aws = await ctx.aws(region);
  const activation = await createActivation(
    aws.ssm,
    { roleName: config.instanceRole.name, region, settings, tags: resourceTags(config) },
    ctx.deps.clock,
    ctx.redactor,
    propagationWait(ctx),
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
      // regularOnly again at the write: a symlink or FIFO put there since the check is refused, not replaced.
      await files.writeFileAtomic(outFile, `${JSON.stringify(activation, null, 2)}\n`, {
        mode: 0o600,
        regularOnly: true,
      });
    } catch (error) {
      // Nobody will ever see this code: do not leave a live activation behind.
      const why = `--out: could not write ${outFile} (${readFailure(error)})`;
      await aws.ssm.deleteActivation(activation.activationId).catch((deleteError: unknown) => {
        throw new OperationError(`${why}; deleting activation ${activation.activationId} failed too`, {
          remediation: `delete it yourself (aws ssm delete-activation --activation-id ${activation.activationId}): ${describeError(deleteError)}`,
        });
      });
      throw new OperationError(`${why}; the activation was deleted`);
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

/**
 * --out must name a new or regular file in an existing folder: checked before an activation (and its code)
 * exists. A symlink (it could point anywhere, e.g. /etc/shadow), a FIFO (would block) or a device (would be
 * replaced by a plain file) is refused.
 */
async function checkOutFile(files: HostFs, outFile: string): Promise<void> {
  const folder = dirname(outFile);
  const [folderStats, fileStats] = await Promise.all([
    stat(folder).catch(() => undefined),
    stat(outFile).catch(() => undefined),
  ]);
  if (folderStats === undefined) throw new UsageError(`--out: folder does not exist: ${folder}`);
  if (!folderStats.isDirectory()) throw new UsageError(`--out: not a folder: ${folder}`);
  if (fileStats?.isDirectory()) throw new UsageError(`--out: is a folder, not a file: ${outFile}`);
  const kind = await files.kindOf(outFile);
  if (kind === "symlink" || kind === "other") {
    throw new UsageError(
      `--out: ${outFile} is ${kind === "symlink" ? "a symbolic link" : "a device, FIFO or socket"}; name a new or regular file`,
    );
  }
}
