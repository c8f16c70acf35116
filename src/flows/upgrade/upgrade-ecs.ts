import { installedVersion, installPackageFile } from "../../components/agent-packages/packages.ts";
import { agentVersionOf, upstream } from "../../components/agent-packages/sources.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { describeError, OperationError } from "../../errors.ts";
import { formatDuration } from "../../util/duration.ts";
import { containerInstance } from "./container-instance.ts";
import { cacheInstalled, keepPrevious, packageManager } from "./package-files.ts";
import { planFor } from "./plan.ts";
import type { Target, UpgradeContext, UpgradeStep } from "./types.ts";

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
