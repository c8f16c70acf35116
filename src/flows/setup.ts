import type { App } from "../app/app.ts";
import { sweepStep } from "../cloud/activation-sweep.ts";
import { configuredBoundaries, requireBoundaries } from "../cloud/boundaries.ts";
import type { PropagationWait } from "../cloud/propagation.ts";
import { setupSteps } from "../cloud/setup-steps.ts";
import { failpointsOf } from "../engine/failpoints.ts";
import { type RunReport, runSteps } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";

export interface CloudRun {
  account: string;
  region: string;
  report: RunReport;
}

/** `setup`: converge the roles, their policies and the cluster; the only command that changes shared roles. */
export async function runSetup(app: App): Promise<CloudRun> {
  const config = app.config();
  const region = app.region();
  const aws = await app.aws(region);
  const identity = await aws.sts.getCallerIdentity();
  app.log.info({ account: identity.account, region, cluster: config.cluster }, "setup starting");
  // Knowable failures first: a boundary that does not exist would stop the run after the first roles changed.
  await requireBoundaries(aws.iam, configuredBoundaries(config));
  return {
    account: identity.account,
    region,
    report: await runCloud(app, setupSteps(config, region, identity, aws, propagationWait(app))),
  };
}

/** `activation sweep`: delete the agent's activations that are expired or fully used. */
export async function runSweep(app: App): Promise<CloudRun> {
  const region = app.region();
  const aws = await app.aws(region);
  const identity = await aws.sts.getCallerIdentity();
  return {
    account: identity.account,
    region,
    report: await runCloud(app, [sweepStep(aws.ssm, () => app.clock.now())]),
  };
}

/** IAM propagation waits on the run's clock and signal; progress goes to stderr in text mode. */
export function propagationWait(app: App): PropagationWait {
  return {
    clock: app.clock,
    signal: app.signal,
    progress: app.progress,
  };
}

function runCloud(app: App, steps: Step<unknown>[]): Promise<RunReport> {
  return runSteps(steps, undefined, {
    dryRun: app.dryRun,
    signal: app.signal,
    log: app.log,
    clock: app.clock,
    redactor: app.redactor,
    onFailure: "stop",
    failpoints: failpointsOf(app.deps.env),
  });
}
