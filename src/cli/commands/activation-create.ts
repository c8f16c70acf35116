import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { AwsPorts } from "../../adapters/aws/ports.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { parseMaxAttempts } from "../../app/settings.ts";
import { type ActivationFlags, activationSettings, createActivation } from "../../cloud/activation.ts";
import { activationSpent, readActivationFacts } from "../../cloud/activation-file.ts";
import { resourceTags } from "../../cloud/setup-steps.ts";
import { describeError, OperationError, UsageError } from "../../errors.ts";
import { propagationWait } from "../../flows/setup.ts";
import { formatDuration } from "../../util/duration.ts";
import { readFailure } from "../../util/files.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { printOneChangePlan } from "../render.ts";
import { createForFleet } from "./activation-create-fleet.ts";

export type CreateOptions = ActivationFlags & {
  out?: string;
  force?: boolean;
  count?: string;
  outDir?: string;
};

/** `activation create`: a single-use, short-lived activation for the instance role (field notes §5). */
export default async function activationCreate(ctx: Context, options: CreateOptions): Promise<number> {
  if (options.count !== undefined || options.outDir !== undefined) return createForFleet(ctx, options);
  const config = ctx.config();
  const region = ctx.region();
  const settings = activationSettings(config, options);
  parseMaxAttempts(ctx.options);
  const outFile = options.out === undefined ? undefined : resolve(options.out);
  const files = new HostFs("/", ctx.deps.clock);
  if (outFile !== undefined) await checkOutFile(files, outFile);
  let ports: Promise<AwsPorts> | undefined;
  const aws = () => {
    ports ??= ctx.aws(region);
    return ports;
  };
  if (outFile !== undefined && !options.force) {
    const replaced = await refuseLiveActivation(files, outFile, ctx.deps.clock.now(), aws);
    if (replaced !== undefined) ctx.io.err(`WARNING: --out: replacing ${outFile}: ${replaced}`);
  }
  if (ctx.dryRun) {
    const summary = `create an activation for role ${config.instanceRole.name} in ${region}: ${settings.registrationLimit} registration(s), expires in ${formatDuration(settings.expiresIn)}`;
    printOneChangePlan(ctx, region, "activation", summary);
    return 0;
  }
  const { ssm } = await aws();
  const activation = await createActivation(
    ssm,
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
      await ssm.deleteActivation(activation.activationId).catch((deleteError: unknown) => {
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
 * An --out file that holds an activation which may still register a host is refused (bad input, before any
 * activation is created): overwriting it would lose the only copy of a live code. Returns why an existing
 * activation file may be replaced (expired, used up, unknown to SSM); undefined when there is none.
 */
async function refuseLiveActivation(
  files: HostFs,
  outFile: string,
  now: Date,
  aws: () => Promise<AwsPorts>,
): Promise<string | undefined> {
  const read = await files.readInputFile(outFile).catch(() => undefined);
  const facts = read === undefined ? undefined : readActivationFacts(read.bytes.toString("utf8"));
  if (facts === undefined) return undefined; // no file, or not an activation file: replaced as before
  const expired = activationSpent(facts, now);
  if (expired !== undefined) return expired;
  // Not expired by the file: SSM knows whether it was used up or deleted (if it cannot be asked, it is live).
  const described = await aws()
    .then(async ({ ssm }) => (await ssm.describeActivation(facts.activationId)) ?? null)
    .catch(() => undefined);
  const spent = activationSpent(facts, now, described);
  if (spent !== undefined) return spent;
  const until = facts.expiresAt === undefined ? "an unknown time" : facts.expiresAt.toISOString();
  throw new UsageError(
    `--out: ${outFile} holds activation ${facts.activationId}, which can still register a host until ${until}`,
    { remediation: "write to another file, or pass --force to replace it (its code is then lost)" },
  );
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
