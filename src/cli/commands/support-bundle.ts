import path from "node:path";
import { HostFs } from "../../adapters/host/fs.ts";
import { buildHost } from "../../app/host-build.ts";
import { configuredRegion } from "../../daemon/context.ts";
import { UsageError } from "../../errors.ts";
import { buildBundle } from "../../flows/support-bundle/bundle.ts";
import { BUNDLE_CONTENTS } from "../../flows/support-bundle/contents.ts";
import type { Context } from "../context.ts";
import { daemonHostFlags, textFlag } from "../host-flags.ts";
import { printJson } from "../io.ts";
import { VERSION } from "../main.ts";

/**
 * `support-bundle`: one .tar.gz (0600) for AWS Support: check and status, the resolved config, both ecs.config
 * files, the state journal, the last install log, journals, log tails, versions and host facts, every entry
 * through the secret scan (flows/support-bundle). Exit 0 when written (what could not be collected is listed in
 * its MANIFEST.json), 1 when it could not be written or masking did not hold, 2 for bad input.
 */
export default async function supportBundle(ctx: Context, raw: Record<string, unknown>): Promise<number> {
  const { flags, host } = daemonHostFlags(raw);
  ctx.config();
  const fromConfig = configuredRegion(ctx);
  // Validates --root (exit 2) before anything is collected, dry run included.
  const built = await buildHost(ctx, host, fromConfig ?? "");
  const hostname = safeName(built.host.system.hostname());
  const stamp = ctx.clock
    .now()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const folder = `ecs-anywhere-support-${hostname}-${stamp}`;
  // The operator's own path, not under --root.
  const files = new HostFs("/", ctx.clock);
  const out = await outputPath(files, textFlag(raw, "out", "--out"), folder);

  if (ctx.dryRun) {
    const plan = BUNDLE_CONTENTS.map(({ name, source }) => ({ name, source }));
    if (ctx.output === "json") printJson(ctx.io, { ok: true, dryRun: true, path: out, contents: plan });
    else {
      const lines = plan.map(({ name, source }) => `PLAN ${name}: ${source}`);
      ctx.io.out([`would write ${out} (mode 0600) holding:`, "PLAN MANIFEST.json", ...lines].join("\n"));
    }
    return 0;
  }

  const { archive, manifest } = await buildBundle(
    { app: ctx, built, hostFlags: flags, region: fromConfig, agentVersion: VERSION },
    BUNDLE_CONTENTS,
    folder,
  );
  // Temp file beside the target, mode 0600 before any byte, fsynced, renamed (HostFs.writeFileAtomic).
  await files.writeFileAtomic(out, archive, { mode: 0o600, regularOnly: true });
  const result = {
    ok: true,
    path: out,
    bytes: archive.length,
    entries: ["MANIFEST.json", ...manifest.entries.map((entry) => entry.name)],
    masked: manifest.masked,
    notCollected: manifest.notCollected,
  };
  if (ctx.output === "json") printJson(ctx.io, result);
  else {
    const missing = manifest.notCollected.map((item) => `  not collected: ${item.name} (${item.reason})`);
    ctx.io.out(
      [
        `wrote ${out} (${archive.length} bytes, mode 0600): ${result.entries.length} files, ${manifest.masked.total} secret value(s) masked`,
        ...missing,
        "hand this file to AWS Support; its MANIFEST.json lists what is in it and what was masked",
      ].join("\n"),
    );
  }
  return 0;
}

/** --out as an absolute path, else ./<folder>.tar.gz; its folder must exist and the file must not (exit 2). */
async function outputPath(files: HostFs, flag: string | undefined, folder: string): Promise<string> {
  if (flag === "") throw new UsageError("--out: must not be empty");
  const out = path.resolve(flag ?? `${folder}.tar.gz`);
  const parent = path.dirname(out);
  const kind = await files.kindOf(parent);
  if (!(await files.exists(parent)) || (kind !== "directory" && kind !== "symlink")) {
    throw new UsageError(`--out: no such folder: ${parent}`);
  }
  if ((await files.kindOf(out)) !== undefined) {
    throw new UsageError(`--out: ${out} already exists; name another file (a bundle is never overwritten)`);
  }
  return out;
}

/** A hostname as a file-name part: letters, digits, dot and dash only. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 40) || "host";
}
