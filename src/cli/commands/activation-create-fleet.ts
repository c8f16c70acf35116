import { chmod, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { HostFs } from "../../adapters/host/fs.ts";
import { parseMaxAttempts } from "../../app/settings.ts";
import {
  type Activation,
  activationSettings,
  BatchError,
  createActivations,
} from "../../cloud/activation.ts";
import { resourceTags } from "../../cloud/setup-steps.ts";
import { CancelledError } from "../../engine/cancel.ts";
import { describeError, OperationError, UsageError } from "../../errors.ts";
import { propagationWait } from "../../flows/setup.ts";
import { formatDuration } from "../../util/duration.ts";
import { readFailure } from "../../util/files.ts";
import { PROGRESS_EVERY_MS } from "../../util/progress.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { printOneChangePlan } from "../render.ts";
import type { CreateOptions } from "./activation-create.ts";

/** The most activations one `--count` makes (a fleet larger than that runs it again, into another folder). */
export const MAX_COUNT = 1000;

/**
 * `activation create --count N --out-dir DIR`: one single-use activation per host of a fleet, each in its own file
 * (DIR/activation-0001.json ..., mode 0600, in a 0700 folder) for `register --activation-file`. The SSM port paces
 * itself to SSM's rate (adapters/aws/pacing.ts), and each file is written as soon as its activation exists, so hosts
 * can start registering while the rest are created.
 */
export async function createForFleet(ctx: Context, options: CreateOptions): Promise<number> {
  const count = checkFleetFlags(options);
  const config = ctx.config();
  const region = ctx.region();
  const settings = { ...activationSettings(config, options), registrationLimit: 1 };
  parseMaxAttempts(ctx.options);
  const folder = resolve(options.outDir as string);
  const files = new HostFs("/", ctx.deps.clock);
  await checkOutDir(files, folder);
  const width = String(count).length;
  const fileOf = (n: number) => `${folder}/activation-${String(n).padStart(width, "0")}.json`;
  const range = count === 1 ? fileOf(1) : `${fileOf(1)} to ${fileOf(count).slice(folder.length + 1)}`;
  if (ctx.dryRun) {
    const summary = `create ${count} single-use activation(s) for role ${config.instanceRole.name} in ${region}, expiring in ${formatDuration(settings.expiresIn)}, written to ${range} (mode 0600)`;
    printOneChangePlan(ctx, region, "activation", summary);
    return 0;
  }
  const { ssm } = await ctx.aws(region, { paced: true });
  await files.mkdir(folder, 0o700);
  // An empty folder the operator made is tightened too: it is about to hold secrets.
  await chmod(folder, 0o700).catch((error: unknown) => {
    throw new OperationError(`--out-dir: could not make ${folder} private (${readFailure(error)})`);
  });
  const written: { activationId: string; file: string; expiresAt: string }[] = [];
  const started = ctx.deps.clock.now().getTime();
  const stop = ctx.deps.clock.every?.(PROGRESS_EVERY_MS, () => {
    const seconds = Math.max(1, Math.round((ctx.deps.clock.now().getTime() - started) / 1000));
    ctx.progress(`[activation] created ${written.length} of ${count} (elapsed ${formatDuration(seconds)})`);
  });
  const save = async (activation: Activation, n: number) => {
    const file = fileOf(n);
    try {
      await files.writeFileAtomic(file, `${JSON.stringify(activation, null, 2)}\n`, {
        mode: 0o600,
        regularOnly: true,
      });
    } catch (error) {
      // Nobody will ever see this code: do not leave a live activation behind.
      await ssm.deleteActivation(activation.activationId).catch(() => undefined);
      throw new OperationError(
        `--out-dir: could not write ${file} (${readFailure(error)}); its activation was deleted`,
      );
    }
    written.push({ activationId: activation.activationId, file, expiresAt: activation.expiresAt });
    ctx.log.info({ activationId: activation.activationId, file }, "activation created");
  };
  try {
    await createActivations(
      ssm,
      { roleName: config.instanceRole.name, region, settings, tags: resourceTags(config) },
      count,
      ctx.deps.clock,
      ctx.redactor,
      propagationWait(ctx),
      { onCreated: save },
    );
  } catch (error) {
    const done = `created ${written.length} of ${count} activations (files in ${folder})`;
    if (ctx.signal.aborted) throw new CancelledError(`activation, ${done}`, ctx.signal.reason);
    const cause = error instanceof BatchError ? error.cause : error;
    const remediation = (cause as { remediation?: unknown }).remediation;
    throw new OperationError(`${done}, then: ${describeError(cause)}`, {
      remediation: `${typeof remediation === "string" ? `${remediation}; ` : ""}the files written are valid: create the other ${count - written.length} with --count ${count - written.length} --out-dir ANOTHER_FOLDER`,
    });
  } finally {
    stop?.();
  }
  written.sort((a, b) => a.file.localeCompare(b.file));
  const lastExpiry =
    written
      .map((entry) => entry.expiresAt)
      .sort()
      .at(-1) ?? "";
  if (ctx.output === "json") {
    printJson(ctx.io, { count, folder, region, registrationLimit: 1, activations: written });
  } else {
    ctx.io.out(
      `Created ${count} single-use activation(s) for role ${config.instanceRole.name} in ${region}: ${range} (mode 0600), one per host (register --activation-file FILE); the last expires ${lastExpiry}.`,
    );
  }
  return 0;
}

/** The batch flags are bad input unless they go together, as one whole: --count N (1-MAX_COUNT) with --out-dir. */
function checkFleetFlags(options: CreateOptions): number {
  if (options.count === undefined) throw new UsageError("--out-dir: needs --count N (how many activations)");
  const count = Number(options.count);
  if (!/^\d+$/.test(options.count) || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new UsageError(`--count: must be a whole number from 1 to ${MAX_COUNT}`);
  }
  if (options.outDir === undefined) {
    throw new UsageError(
      "--count: needs --out-dir DIR (one file per activation; the codes never go to the terminal)",
    );
  }
  if (options.out !== undefined) throw new UsageError("--out: use --out-dir with --count");
  if (options.force) throw new UsageError("--force: only with --out (--out-dir must be new or empty)");
  if (options.registrationLimit !== undefined) {
    throw new UsageError(
      "--registration-limit: --count makes single-use activations (one per host); leave it out",
    );
  }
  return count;
}

/**
 * --out-dir must be a new folder in an existing one, or an empty folder: files of an earlier batch are never
 * replaced (their codes would be lost), and a symlink is refused (it could point anywhere).
 */
async function checkOutDir(files: HostFs, folder: string): Promise<void> {
  const parent = dirname(folder);
  const parentStats = await stat(parent).catch(() => undefined);
  if (parentStats === undefined) throw new UsageError(`--out-dir: folder does not exist: ${parent}`);
  if (!parentStats.isDirectory()) throw new UsageError(`--out-dir: not a folder: ${parent}`);
  const kind = await files.kindOf(folder);
  if (kind === undefined) return;
  if (kind !== "directory") {
    throw new UsageError(
      `--out-dir: ${folder} is ${kind === "symlink" ? "a symbolic link" : "not a folder"}; name a new or empty folder`,
    );
  }
  if ((await files.list(folder)).length > 0) {
    throw new UsageError(`--out-dir: ${folder} is not empty; name a new or empty folder`, {
      remediation: "activation files of an earlier batch are never replaced (their codes would be lost)",
    });
  }
}
