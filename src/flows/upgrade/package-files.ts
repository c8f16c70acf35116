import { copyFile } from "node:fs/promises";
import { posix } from "node:path";
import { PACKAGE_CACHE } from "../../components/agent-packages/packages.ts";
import { type Component, formatOf, packageLocation } from "../../components/agent-packages/sources.ts";
import type { PackageManager } from "../deregister/packages.ts";
import type { Target, UpgradeContext } from "./types.ts";

/** The manager that installs the component's package files (the snap has none: snapd refreshes it). */
export function packageManager(ctx: UpgradeContext, component: Component): Exclude<PackageManager, "snap"> {
  const manager = component === "ecs" ? ctx.observed.manager : ctx.observed.ssmManager;
  if (manager === undefined || manager === "snap") throw new Error("no package manager to install with");
  return manager;
}

/** The previous version's package goes to the cache before anything is installed (the rollback needs it). */
export async function keepPrevious(ctx: UpgradeContext, target: Target): Promise<void> {
  const previous = target.previous;
  if (previous === undefined || posix.dirname(previous.file) === PACKAGE_CACHE) return;
  await ctx.host.fs.mkdir(PACKAGE_CACHE, 0o700);
  const name = `${PACKAGE_CACHE}/${previous.file.slice(previous.file.lastIndexOf("/") + 1)}`;
  await copyFile(ctx.host.fs.resolve(previous.file), ctx.host.fs.resolve(name));
  previous.file = name;
}

/**
 * The installed package is kept in the cache under its version (the next upgrade's rollback); of this
 * component's packages only it and the one it replaced stay.
 */
export async function cacheInstalled(
  ctx: UpgradeContext,
  component: Component,
  target: Target,
  manager: PackageManager,
): Promise<void> {
  const name = cacheName(ctx, component, target.to, manager);
  const kept = cacheName(ctx, component, target.from, manager);
  if (name === undefined) return;
  await ctx.host.fs.mkdir(PACKAGE_CACHE, 0o700);
  await copyFile(ctx.host.fs.resolve(target.file), ctx.host.fs.resolve(name));
  const prefix = component === "ecs" ? "amazon-ecs-init-" : "amazon-ssm-agent-";
  for (const entry of await ctx.host.fs.list(PACKAGE_CACHE)) {
    const path = `${PACKAGE_CACHE}/${entry}`;
    if (entry.startsWith(prefix) && path !== name && path !== kept) await ctx.host.fs.remove(path);
  }
}

/** Cache file name of a version (what the rollback of the NEXT upgrade looks for). */
function cacheName(
  ctx: UpgradeContext,
  component: Component,
  version: string,
  manager: PackageManager,
): string | undefined {
  const format = formatOf(manager);
  if (format === undefined || ctx.observed.arch === undefined) return undefined;
  const source = component === "ecs" ? ctx.input.ecsSource : ctx.input.ssmSource;
  return `${PACKAGE_CACHE}/${packageLocation(component, source, version, format, ctx.observed.arch).fileName}`;
}
