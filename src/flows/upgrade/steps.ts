import { copyFile } from "node:fs/promises";
import { posix } from "node:path";
import type { AwsPorts, EcsPort } from "../../adapters/aws/ports.ts";
import type { AgentMetadata } from "../../adapters/host/introspection.ts";
import {
  changeSnap,
  installedVersion,
  installPackageFile,
  PACKAGE_CACHE,
} from "../../components/agent-packages/packages.ts";
import { agentVersionOf, type Component, upstream } from "../../components/agent-packages/sources.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import type { Plan } from "../../engine/step.ts";
import { describeError, OperationError } from "../../errors.ts";
import { formatDuration } from "../../util/duration.ts";
import { tasksOn, waitForDrain } from "../deregister/drain.ts";
import type { PackageManager } from "../deregister/packages.ts";
import { cacheName } from "./resolve.ts";
import type { Resolution, Target, UpgradeContext, UpgradeStep } from "./types.ts";

/** The container instance this host is, from the running agent (field notes §2), or undefined. */
function containerInstance(metadata: AgentMetadata): { cluster: string; arn: string } | undefined {
  return metadata.state === "ok" && metadata.containerInstanceArn !== null
    ? { cluster: metadata.cluster, arn: metadata.containerInstanceArn }
    : undefined;
}

/** The ECS port, or the plan that says why AWS cannot be called. */
async function ecsOrPlan(ctx: UpgradeContext, what: string): Promise<{ ecs: EcsPort } | { plan: Plan }> {
  const access = ctx.aws;
  if (!access.ready) {
    return {
      plan: {
        status: access.status === "skipped" ? "skipped" : "failed",
        summary: `${access.reason}: cannot ${what}`,
        ...(access.remediation ? { remediation: access.remediation } : {}),
      },
    };
  }
  const ports: AwsPorts = await access.ports();
  return { ecs: ports.ecs };
}

/**
 * `--drain` (field notes §10.14): when an ECS upgrade is due and tasks run on this container instance, set it
 * DRAINING and wait (deregister's bounded wait) until none runs. The activate step sets it ACTIVE again.
 */
export const drainStep: UpgradeStep = {
  id: "drain",
  async plan(ctx) {
    const target = await ctx.ecsTarget().catch(() => undefined);
    if (target === undefined || !target.needed) {
      return { status: "ok", summary: "no ECS agent upgrade to drain for" };
    }
    const instance = containerInstance(ctx.observed.metadata);
    if (instance === undefined)
      return { status: "ok", summary: "no container instance known: nothing to drain" };
    const found = await ecsOrPlan(ctx, `drain ${instance.arn}`);
    if ("plan" in found) return found.plan;
    const { ecs } = found;
    const [current] = await ecs.describeContainerInstances(instance.cluster, [instance.arn]);
    if (current === undefined || current.status === "INACTIVE") {
      return { status: "ok", summary: `${instance.arn} is not registered in ECS: nothing to drain` };
    }
    const tasks = tasksOn(current);
    if (tasks === 0 && current.status === "ACTIVE") {
      return { status: "ok", summary: `no task runs on ${instance.arn}: nothing to drain` };
    }
    const draining = current.status === "DRAINING";
    const limit = formatDuration(Math.round(ctx.input.drainTimeoutMs / 1000));
    return {
      summary: `${draining ? "" : "set DRAINING and "}wait up to ${limit} for the ${tasks} task(s) on ${instance.arn} to stop`,
      apply: async () => {
        if (!draining) {
          await ecs.setContainerInstanceDraining(instance.cluster, instance.arn);
          // Only what this run drained is set ACTIVE again (an operator's DRAINING stays).
          ctx.drained = instance;
        }
        const waited = await waitForDrain(instance.cluster, instance.arn, {
          ecs,
          clock: ctx.host.clock,
          timeoutMs: ctx.input.drainTimeoutMs,
          progress: ctx.host.progress,
          signal: ctx.host.signal,
          tasksLeft: tasks || undefined,
        });
        return {
          summary: `${instance.arn} is DRAINING and runs no task (waited ${formatDuration(Math.round(waited / 1000))})`,
        };
      },
    };
  },
};

/** field notes §10.14: ACTIVE again once the upgrade is over, unless the agent was left broken. */
export const activateStep: UpgradeStep = {
  id: "activate",
  async plan(ctx) {
    const drained = ctx.drained;
    if (drained === undefined) {
      return { status: "ok", summary: "this run set no container instance DRAINING" };
    }
    const manual = `aws ecs update-container-instances-state --cluster ${drained.cluster} --container-instances ${drained.arn} --status ACTIVE`;
    if (ctx.ecsOutcome === "broken") {
      return {
        status: "failed",
        summary: `${drained.arn} stays DRAINING: the ECS agent is not healthy after the failed upgrade and rollback`,
        remediation: `fix the agent (see the upgrade step), then run: ${manual}`,
      };
    }
    const found = await ecsOrPlan(ctx, `set ${drained.arn} ACTIVE`);
    if ("plan" in found) return { ...found.plan, status: "failed", remediation: `run: ${manual}` };
    return {
      summary: `set ${drained.arn} ACTIVE again`,
      apply: async () => {
        await found.ecs.setContainerInstanceActive(drained.cluster, drained.arn);
        return { summary: `${drained.arn} is ACTIVE again` };
      },
    };
  },
};

/** A step that does nothing, and says so, when the drain before it failed. */
export function unlessDrainFailed(step: UpgradeStep): UpgradeStep {
  return {
    ...step,
    async plan(ctx, signal) {
      const drain = ctx.results.find((result) => result.id === drainStep.id);
      if (drain?.status !== "failed") return step.plan(ctx, signal);
      return {
        status: "skipped",
        summary: "not run: the drain failed, so the ECS agent was not upgraded",
        remediation: "once the tasks have stopped, re-run `ecs-anywhere-agent upgrade --drain`",
      };
    },
  };
}

/** The plan of an upgrade step from its resolution: nothing to do, or the install with its details. */
function planFor(
  resolution: Resolution,
  pkg: string,
  apply: (target: Target) => Promise<{ summary: string }>,
  verifyWhat: string,
  rollback: boolean,
): Plan {
  if (!resolution.needed) {
    return {
      status: resolution.status ?? "ok",
      summary: resolution.summary,
      ...(resolution.remediation ? { remediation: resolution.remediation } : {}),
    };
  }
  const target = resolution;
  return {
    summary: `upgrade ${pkg} ${target.from} -> ${target.to}`,
    changes: [
      {
        id: `${pkg}/install`,
        action: "update",
        summary: `upgrade ${pkg} ${target.from} -> ${target.to}, then ${verifyWhat}`,
        details: [
          target.file === "" ? "through snapd (snap refresh)" : `from ${target.url} (signature verified)`,
          !rollback
            ? "rollback: none (--no-rollback): a failed verification stops the run"
            : target.file === ""
              ? `rollback: snap revert ${pkg} (the revision snapd kept), if the verification fails`
              : `rollback: ${target.from} from ${target.previous?.url} (signature verified), reinstalled if the verification fails`,
        ],
        apply: () => apply(target),
      },
    ],
  };
}

export const upgradeEcsStep: UpgradeStep = {
  id: "upgrade-ecs",
  async plan(ctx) {
    return planFor(
      await ctx.ecsTarget(),
      ECS_AGENT.package,
      (target) => upgradeEcs(ctx, target),
      "restart ecs and verify the agent reconnects",
      ctx.input.rollback,
    );
  },
};

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
 * field notes §10.12: install the package, `systemctl restart ecs`, and verify: the agent answers with the new
 * version and the same container instance ARN, and ECS sees it connected. A failed verification reinstalls the
 * previous package and verifies that; the step fails either way, naming what failed.
 */
async function upgradeEcs(ctx: UpgradeContext, target: Target): Promise<{ summary: string }> {
  const manager = packageManager(ctx, "ecs");
  await keepPrevious(ctx, target);
  await installPackageFile(ctx.host, manager, target.file, false);
  const before = containerInstance(ctx.observed.metadata);
  try {
    await restartAndVerifyEcs(ctx, upstream(target.to), before);
  } catch (error) {
    const why = describeError(error);
    if (target.previous === undefined) {
      ctx.ecsOutcome = "broken";
      throw new OperationError(
        `${ECS_AGENT.package} ${target.to} is installed but failed verification: ${why}`,
        {
          remediation: `see /var/log/ecs/ecs-agent.log; to go back: ecs-anywhere-agent upgrade --component ecs --ecs-version ${target.from}`,
        },
      );
    }
    await rollBackEcs(ctx, target, target.previous.file, before, why);
  }
  await cacheInstalled(ctx, "ecs", target, manager);
  ctx.ecsOutcome = "upgraded";
  const arn = before ? `; ${before.arn} reconnected` : "";
  const remote = before && !ctx.aws.ready ? ` (the control plane was not asked: ${ctx.aws.reason})` : "";
  return { summary: `upgraded ${ECS_AGENT.package} ${target.from} -> ${target.to}${arn}${remote}` };
}

async function rollBackEcs(
  ctx: UpgradeContext,
  target: Target,
  previous: string,
  before: { cluster: string; arn: string } | undefined,
  why: string,
): Promise<never> {
  const manager = packageManager(ctx, "ecs");
  ctx.host.progress(
    `[upgrade] ${ECS_AGENT.package} ${target.to} failed verification; rolling back to ${target.from}`,
  );
  try {
    await installPackageFile(ctx.host, manager, previous, true);
    await restartAndVerifyEcs(ctx, upstream(target.from), before);
  } catch (error) {
    ctx.ecsOutcome = "broken";
    throw new OperationError(
      `${ECS_AGENT.package} ${target.to} failed verification (${why}), and the rollback to ${target.from} failed too: ${describeError(error)}`,
      {
        remediation: `install ${previous} with the package manager, run systemctl restart ecs, and see /var/log/ecs/ecs-agent.log`,
      },
    );
  }
  ctx.ecsOutcome = "rolled-back";
  throw new OperationError(
    `${ECS_AGENT.package} ${target.to} failed verification (${why}); rolled back to ${target.from}, which is verified`,
    {
      remediation: `stay on ${target.from} (see /var/log/ecs/ecs-agent.log for why ${target.to} failed), or retry later with --ecs-version`,
    },
  );
}

/**
 * Restarts ecs and waits (1 s doubling to 10 s on the clock port, up to --verify-timeout) until the agent
 * answers with `version`, as the container instance it was (field notes §2), then until ECS reports it connected.
 */
async function restartAndVerifyEcs(
  ctx: UpgradeContext,
  version: string,
  before: { cluster: string; arn: string } | undefined,
): Promise<void> {
  const { host } = ctx;
  await host.systemd.restart(ECS_AGENT.unit);
  const started = host.clock.now().getTime();
  const deadline = started + ctx.input.verifyTimeoutMs;
  let delay = 1000;
  const waitMore = async (problem: string) => {
    if (host.clock.now().getTime() >= deadline) {
      throw new Error(`${problem} after ${formatDuration(Math.round(ctx.input.verifyTimeoutMs / 1000))}`);
    }
    host.progress(`[verify] ${problem}`);
    await host.clock.sleep(Math.min(delay, Math.max(deadline - host.clock.now().getTime(), 0)), host.signal);
    delay = Math.min(delay * 2, 10_000);
  };
  if (before === undefined) {
    // Not registered before: the API stays silent until it is (field notes §2); the unit and package must hold.
    for (;;) {
      if (await host.systemd.isActive(ECS_AGENT.unit)) break;
      await waitMore("the ecs service is not running");
    }
    const installed = await installedVersion(host, packageManager(ctx, "ecs"), ECS_AGENT.package);
    if (installed === undefined || upstream(installed) !== version) {
      throw new Error(`the package database holds ${installed ?? "nothing"}, not ${version}`);
    }
    return;
  }
  for (;;) {
    const metadata = await host.introspection.metadata();
    if (metadata.state === "ok" && metadata.containerInstanceArn !== null) {
      if (metadata.containerInstanceArn !== before.arn) {
        throw new Error(`the agent registered as ${metadata.containerInstanceArn}, not as ${before.arn}`);
      }
      const running = agentVersionOf(metadata.version);
      if (running === version) break;
      await waitMore(`the ECS agent runs ${running ?? metadata.version}, not ${version}`);
    } else {
      await waitMore(
        metadata.state === "unreachable"
          ? `the ECS agent does not answer (${metadata.error})`
          : "the ECS agent has not registered",
      );
    }
  }
  if (!ctx.aws.ready) return;
  const { ecs } = await ctx.aws.ports();
  for (;;) {
    const [instance] = await ecs.describeContainerInstances(before.cluster, [before.arn]);
    if (instance === undefined || instance.status === "INACTIVE") {
      throw new Error(`ECS no longer knows ${before.arn}`);
    }
    if (instance.agentConnected) return;
    await waitMore(`ECS does not see the agent of ${before.arn} connected`);
  }
}

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

function packageManager(ctx: UpgradeContext, component: Component): Exclude<PackageManager, "snap"> {
  const manager = component === "ecs" ? ctx.observed.manager : ctx.observed.ssmManager;
  if (manager === undefined || manager === "snap") throw new Error("no package manager to install with");
  return manager;
}

/** The previous version's package goes to the cache before anything is installed (the rollback needs it). */
async function keepPrevious(ctx: UpgradeContext, target: Target): Promise<void> {
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
async function cacheInstalled(
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
