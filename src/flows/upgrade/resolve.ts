import {
  fetchVerifiedPackage,
  fileVersion,
  PACKAGE_CACHE,
} from "../../components/agent-packages/packages.ts";
import {
  type Component,
  formatOf,
  type PackageFormat,
  packageLocation,
  sameVersion,
} from "../../components/agent-packages/sources.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { describeError } from "../../errors.ts";
import type { Resolution, UpgradeContext } from "./types.ts";

const NAME: Record<Component, string> = { ecs: ECS_AGENT.package, ssm: SSM_AGENT.package };

/**
 * What upgrading one component comes to, found without changing the host: the installed version, the target
 * package downloaded and its signature verified (field notes §10.12, §10.13) into the run's folder, and the
 * previous version's package for the rollback (from the cache, else downloaded and verified the same way).
 */
export async function resolveTarget(ctx: UpgradeContext, component: Component): Promise<Resolution> {
  const { input, observed } = ctx;
  const pkg = NAME[component];
  const installed = component === "ecs" ? observed.ecsVersion : observed.ssmVersion;
  const wanted = component === "ecs" ? input.ecsVersion : input.ssmVersion;
  const manager = component === "ecs" ? observed.manager : observed.ssmManager;
  // Without a package manager the installed version cannot even be asked for.
  if (manager === undefined)
    return unsupported(pkg, "no package manager known for this distribution (/etc/os-release)");
  if (installed === undefined) {
    return {
      needed: false,
      status: "failed",
      summary: `${pkg} is not installed: there is nothing to upgrade`,
      remediation: "run `ecs-anywhere-agent register`, which installs it",
    };
  }
  if (sameVersion(installed, wanted)) {
    return { needed: false, summary: `${pkg} is already at ${installed}` };
  }
  if (manager === "snap") return resolveSnap(ctx, installed, wanted);
  const format = formatOf(manager);
  if (format === undefined) return unsupported(pkg, `no package file format for ${manager}`);
  if (observed.arch === undefined) return unsupported(pkg, "an architecture other than x86_64 or aarch64");
  const source = component === "ecs" ? input.ecsSource : input.ssmSource;
  const key = component === "ecs" ? input.ecsKey : input.ssmKey;
  const arch = observed.arch;
  const location = packageLocation(component, source, wanted, format, arch);
  const file = await fetchVerifiedPackage(ctx.host, location, key, ctx.workDir, `${pkg} ${wanted}`, {
    timeoutMs: input.downloadTimeoutMs,
    proxy: input.proxy,
  });
  const to = await fileVersion(ctx.host, format, file);
  if (to === installed) return { needed: false, summary: `${pkg} is already at ${installed} (${wanted})` };
  const target = { from: installed, to, file, url: location.url };
  if (!input.rollback) return { needed: true, ...target };
  try {
    const previous = await previousPackage(ctx, component, installed, format);
    return { needed: true, ...target, previous };
  } catch (error) {
    return {
      needed: false,
      status: "failed",
      summary: `${pkg} ${installed} -> ${to} not started: the installed version's package, needed to roll back, cannot be had: ${describeError(error)}`,
      remediation: `put the verified package in ${PACKAGE_CACHE}, or re-run with --no-rollback to upgrade without a way back`,
    };
  }
}

/** A host this flow cannot upgrade `pkg` on: the step fails (exit 1), saying why and what to do instead. */
function unsupported(pkg: string, why: string): Resolution {
  return {
    needed: false,
    status: "failed",
    summary: `cannot upgrade ${pkg} here: ${why}`,
    remediation: "upgrade it by hand with the distribution's package manager",
  };
}

/** The installed version's package: kept in the cache by the last upgrade, else downloaded and verified now. */
async function previousPackage(
  ctx: UpgradeContext,
  component: Component,
  installed: string,
  format: PackageFormat,
): Promise<{ file: string; url: string }> {
  const arch = ctx.observed.arch;
  if (arch === undefined) throw new Error("unknown architecture");
  const source = component === "ecs" ? ctx.input.ecsSource : ctx.input.ssmSource;
  const location = packageLocation(component, source, installed, format, arch);
  const cached = `${PACKAGE_CACHE}/${location.fileName}`;
  if (await ctx.host.fs.exists(cached)) {
    if ((await fileVersion(ctx.host, format, cached)) === installed) return { file: cached, url: cached };
  }
  const key = component === "ecs" ? ctx.input.ecsKey : ctx.input.ssmKey;
  const what = `${NAME[component]} ${installed}`;
  const file = await fetchVerifiedPackage(ctx.host, location, key, ctx.workDir, what, {
    timeoutMs: ctx.input.downloadTimeoutMs,
    proxy: ctx.input.proxy,
  });
  const version = await fileVersion(ctx.host, format, file);
  if (version !== installed) throw new Error(`${location.url} holds ${version}, not ${installed}`);
  return { file, url: location.url };
}

/** field notes §10.13: snapd refreshes the snap; `snap refresh --list` says whether there is anything newer. */
async function resolveSnap(ctx: UpgradeContext, installed: string, wanted: string): Promise<Resolution> {
  const pkg = SSM_AGENT.package;
  if (wanted !== "latest") {
    return {
      needed: false,
      status: "failed",
      summary: `${pkg} is a snap here: snapd chooses its version, so --ssm-version ${wanted} cannot be installed`,
      remediation: `run without --ssm-version (snap refresh), or choose a channel: snap refresh ${pkg} --channel=candidate`,
    };
  }
  const listed = await ctx.host.run("snap", ["refresh", "--list"], {
    timeoutMs: 60_000,
    redactor: ctx.host.redactor,
  });
  const row = listed.stdout.split("\n").find((line) => line.split(/\s+/)[0] === pkg);
  if (row === undefined)
    return { needed: false, summary: `${pkg} (snap) is already at the newest version, ${installed}` };
  const to = row.split(/\s+/)[1] ?? "newer";
  return { needed: true, from: installed, to, file: "", url: "snap refresh" };
}
