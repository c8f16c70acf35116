import {
  changeSnap,
  installedVersion,
  installPackageFile,
} from "../../components/agent-packages/packages.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { describeError, OperationError } from "../../errors.ts";
import type { PackageManager } from "../deregister/packages.ts";
import { cacheInstalled, keepPrevious, packageManager } from "./package-files.ts";
import { planFor } from "./plan.ts";
import type { Target, UpgradeContext, UpgradeStep } from "./types.ts";

export const upgradeSsmStep: UpgradeStep = {
  id: "upgrade-ssm",
  async plan(ctx) {
    return planFor(
      await ctx.ssmTarget(),
      SSM_AGENT.package,
      (target) => upgradeSsm(ctx, target),
      `restart ${ctx.observed.ssmUnit} and verify it runs the new version`,
      ctx.input.rollback,
    );
  },
};

/**
 * field notes §10.13: the SSM agent's deb/rpm installed like ecs-init (or the snap refreshed), its unit restarted,
 * and verified: the unit runs and the package database holds the new version. Rolled back like ecs-init.
 */
async function upgradeSsm(ctx: UpgradeContext, target: Target): Promise<{ summary: string }> {
  const pkg = SSM_AGENT.package;
  const unit = ctx.observed.ssmUnit;
  if (target.file === "") {
    await changeSnap(ctx.host, "refresh", pkg);
    await verifySsmOrRollBack(ctx, target, "snap", {
      run: () => changeSnap(ctx.host, "revert", pkg),
      byHand: `snap revert ${pkg}`,
    });
    return { summary: `refreshed the ${pkg} snap ${target.from} -> ${target.to}` };
  }
  const manager = packageManager(ctx, "ssm");
  const previous = target.previous;
  await keepPrevious(ctx, target);
  await installPackageFile(ctx.host, manager, target.file, false);
  await verifySsmOrRollBack(
    ctx,
    target,
    manager,
    previous && {
      run: () => installPackageFile(ctx.host, manager, previous.file, true),
      byHand: `install ${previous.file} with the package manager and restart ${unit}`,
    },
  );
  await cacheInstalled(ctx, "ssm", target, manager);
  return { summary: `upgraded ${pkg} ${target.from} -> ${target.to}` };
}

/**
 * Verifies the new SSM agent; when that fails, runs the rollback (none with --no-rollback) and verifies the
 * previous version. Throws when the new version did not verify, saying whether the rollback did.
 */
async function verifySsmOrRollBack(
  ctx: UpgradeContext,
  target: Target,
  manager: PackageManager,
  rollback: { run: () => Promise<void>; byHand: string } | undefined,
): Promise<void> {
  const pkg = SSM_AGENT.package;
  try {
    await verifySsm(ctx, manager, target.to);
    return;
  } catch (error) {
    const why = describeError(error);
    if (rollback === undefined || !ctx.input.rollback) {
      throw new OperationError(`${pkg} ${target.to} is installed but failed verification: ${why}`, {
        remediation: `see /var/log/amazon/ssm/errors.log and systemctl status ${ctx.observed.ssmUnit}`,
      });
    }
    ctx.host.progress(`[upgrade] ${pkg} ${target.to} failed verification; rolling back to ${target.from}`);
    try {
      await rollback.run();
      await verifySsm(ctx, manager, target.from);
    } catch (again) {
      throw new OperationError(
        `${pkg} ${target.to} failed verification (${why}), and the rollback to ${target.from} failed too: ${describeError(again)}`,
        { remediation: rollback.byHand },
      );
    }
    throw new OperationError(
      `${pkg} ${target.to} failed verification (${why}); rolled back to ${target.from}, which is verified`,
      {
        remediation: `stay on ${target.from} (see /var/log/amazon/ssm/errors.log), or retry later with --ssm-version`,
      },
    );
  }
}

async function verifySsm(ctx: UpgradeContext, manager: PackageManager, version: string): Promise<void> {
  const unit = ctx.observed.ssmUnit;
  await ctx.host.systemd.restart(unit);
  if (!(await ctx.host.systemd.isActive(unit))) throw new Error(`${unit} is not running after the restart`);
  const installed = await installedVersion(ctx.host, manager, SSM_AGENT.package);
  if (installed !== version)
    throw new Error(`the package database holds ${installed ?? "nothing"}, not ${version}`);
}
