import type { HostContext } from "../../app/host.ts";
import { readOsRelease } from "../../checks/distribution.ts";
import { installedVersion, PACKAGE_CACHE } from "../../components/agent-packages/packages.ts";
import { packageArch } from "../../components/agent-packages/sources.ts";
import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { DRY_RUN_LINE, renderSteps } from "../../engine/render.ts";
import { runSteps, type StepResult } from "../../engine/run.ts";
import { choosePackageManager, managerFor } from "../deregister/packages.ts";
import type { AwsAccess } from "../deregister/types.ts";
import { activateStep, drainStep, unlessDrainFailed } from "./container-instance.ts";
import { resolveTarget } from "./resolve.ts";
import type { Resolution, UpgradeContext, UpgradeInput, UpgradeObservation, UpgradeStep } from "./types.ts";
import { upgradeEcsStep } from "./upgrade-ecs.ts";
import { upgradeSsmStep } from "./upgrade-ssm.ts";

/** The host as it is before the upgrade: package manager, architecture, installed versions, the running agent. */
export async function observeForUpgrade(host: HostContext): Promise<UpgradeObservation> {
  const [osRelease, unit, metadata] = await Promise.all([
    readOsRelease(host.fs),
    ssmUnit(host.systemd),
    host.introspection.metadata(),
  ]);
  const manager = choosePackageManager(osRelease);
  const ssmManager = managerFor(SSM_AGENT.package, manager, unit);
  const [ecsVersion, ssmVersion] = await Promise.all([
    manager === undefined ? undefined : installedVersion(host, manager, ECS_AGENT.package),
    ssmManager === undefined ? undefined : installedVersion(host, ssmManager, SSM_AGENT.package),
  ]);
  return {
    manager,
    arch: packageArch(host.system.arch()),
    ecsVersion,
    ssmManager,
    ssmUnit: unit,
    ssmVersion,
    metadata,
  };
}

/** The steps of this run, in order: the drain and the activation only with --drain and an ECS upgrade. */
export function upgradeSteps(input: Pick<UpgradeInput, "component" | "drain">): UpgradeStep[] {
  const ecs = input.component !== "ssm";
  const ssm = input.component !== "ecs";
  const drain = ecs && input.drain;
  return [
    ...(drain ? [drainStep] : []),
    ...(ecs ? [drain ? unlessDrainFailed(upgradeEcsStep) : upgradeEcsStep] : []),
    ...(ssm ? [upgradeSsmStep] : []),
    ...(drain ? [activateStep] : []),
  ];
}

/** Also the `--output json` document. */
export interface UpgradeReport {
  ok: boolean;
  dryRun: boolean;
  cancelled: boolean;
  /** Installed versions before the run (package versions; the ECS agent's as it answered). */
  before: { ecsInit?: string; ecsAgent?: string; ssmAgent?: string };
  steps: StepResult[];
}

export interface UpgradeDeps {
  host: HostContext;
  aws: AwsAccess;
  observed: UpgradeObservation;
}

/**
 * Runs every step and reports each: a failed ECS upgrade still lets the SSM agent's run, and the instance is
 * set ACTIVE again after a drain. Downloads go to a folder of the run, removed at the end; what was installed,
 * and the version it replaced, stay in the package cache for the next rollback.
 */
export async function upgrade(input: UpgradeInput, deps: UpgradeDeps): Promise<UpgradeReport> {
  const { host, observed } = deps;
  // A dry run leaves no folder behind: those it had to create for its downloads go again at the end.
  const created: string[] = [];
  for (const dir of [AGENT_STATE.dir, PACKAGE_CACHE]) {
    if (await host.fs.exists(dir)) continue;
    await host.fs.mkdir(dir, 0o700);
    created.unshift(dir);
  }
  const workDir = await host.fs.makeTempDir(PACKAGE_CACHE, "run-");
  const results: StepResult[] = [];
  const memo = (compute: () => Promise<Resolution>) => {
    let once: Promise<Resolution> | undefined;
    return () => {
      once ??= compute();
      return once;
    };
  };
  const ctx: UpgradeContext = {
    input,
    ...deps,
    workDir,
    results,
    ecsTarget: memo(() => resolveTarget(ctx, "ecs")),
    ssmTarget: memo(() => resolveTarget(ctx, "ssm")),
  };
  try {
    const report = await runSteps(upgradeSteps(input), ctx, {
      dryRun: input.dryRun,
      signal: host.signal,
      log: host.log,
      clock: host.clock,
      redactor: host.redactor,
      onFailure: "continue",
      onStep: (result) => results.push(result),
    });
    const agent = observed.metadata.state === "ok" ? observed.metadata.version : undefined;
    return {
      ok: report.ok,
      dryRun: input.dryRun,
      cancelled: report.cancelled,
      before: {
        ...(observed.ecsVersion ? { ecsInit: observed.ecsVersion } : {}),
        ...(agent ? { ecsAgent: agent } : {}),
        ...(observed.ssmVersion ? { ssmAgent: observed.ssmVersion } : {}),
      },
      steps: report.steps,
    };
  } finally {
    await host.fs.remove(workDir, { recursive: true });
    if (input.dryRun) for (const dir of created) await host.fs.removeEmptyDir(dir);
  }
}

export function renderUpgradeReport(report: UpgradeReport): string {
  const lines = renderSteps(report.steps);
  if (!report.dryRun) return lines.join("\n");
  return ["Plan for this host: upgrade the agents.", ...lines.map((line) => `  ${line}`), DRY_RUN_LINE].join(
    "\n",
  );
}
