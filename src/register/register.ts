import { createActivation } from "../activation/create.ts";
import type { AwsPorts } from "../adapters/aws/ports.ts";
import type { Config } from "../config/schema.ts";
import { OperationError } from "../errors.ts";
import type { CheckResult } from "../preflight/types.ts";
import { pending, runSteps } from "../reconcile/engine.ts";
import { resourceTags, setupSteps } from "../reconcile/setup.ts";
import { clusterStep } from "../reconcile/steps/cluster.ts";
import type { Step } from "../reconcile/types.ts";
import { MASK } from "../util/redact.ts";
import type { SuppliedActivation } from "./activation-source.ts";
import { applyEcsConfigFiles, desiredKeys, diffFile, planEcsConfigFiles } from "./ecs-config.ts";
import type { HostContext } from "./host-context.ts";
import { describeSource, obtainVerifiedScript, type ScriptSource } from "./install-script.ts";
import { type HostObservation, observeHost, registeredCluster } from "./observe.ts";
import { ECS_UNIT, PATHS } from "./paths.ts";
import type { PhaseReport, RegisterReport } from "./report.ts";
import { maskedArguments, runInstallScript, type ScriptInvocation } from "./run-script.ts";
import { type AgentState, type JournalEntry, readState, writeState } from "./state.ts";
import { verifyControlPlane, waitForRegistration } from "./verify.ts";

/** The named phases of `register`, in order; the names appear in logs, --dry-run output and --skip. */
export const REGISTER_PHASES = [
  "preflight",
  "activation",
  "ecs-config",
  "install-script",
  "run-script",
  "normalize-config",
  "verify",
  "activation-cleanup",
  "state",
] as const;
export const SKIPPABLE_PHASES = ["preflight", "normalize-config", "verify", "activation-cleanup"] as const;

// Just-in-time activations are single-use and short-lived (facts §5, §6.8).
const JIT_EXPIRY_SECONDS = 30 * 60;

export interface RegisterInput {
  config: Config;
  region: string;
  supplied?: SuppliedActivation;
  source: ScriptSource;
  move: boolean;
  deleteActivation: boolean;
  dryRun: boolean;
  skipPhases: ReadonlySet<string>;
  scriptTimeoutMs: number;
  verifyTimeoutMs: number;
}

export interface RegisterDeps {
  host: HostContext;
  /** Built on first use, so a host with a supplied activation and no credentials never needs AWS. */
  aws: () => Promise<AwsPorts>;
  hasAwsCredentials: boolean;
  /** Runs the preflight checks (the `check` command's, minus those skipped). */
  preflight: (extraSkips: string[]) => Promise<CheckResult[]>;
}

type Mode = "fresh" | "already-registered" | "move";

/** Converges the host into the cluster. Observes first; every write happens in a named phase. */
export async function register(input: RegisterInput, deps: RegisterDeps): Promise<RegisterReport> {
  const { host } = deps;
  const cluster = input.config.cluster;
  const observed = await observeHost(host.fs, host.introspection);
  const mode = chooseMode(observed, cluster, input.move);
  const desired = desiredKeys(input.config, cluster, input.region);
  // Validates the desired ecs.config up front: bad values are bad input, before anything is written.
  planEcsConfigFiles(desired, { etc: observed.ecsConfigText, lib: observed.ecsConfigLibText }, host.redactor);

  const report: RegisterReport = {
    dryRun: input.dryRun,
    outcome: input.dryRun
      ? "planned"
      : mode === "fresh"
        ? "registered"
        : mode === "move"
          ? "moved"
          : "already-registered",
    cluster,
    region: input.region,
    phases: [],
    changes: [],
  };
  const journal: JournalEntry[] = [];
  const record = (phase: PhaseReport) => {
    report.phases.push(phase);
    host.log.info({ phase: phase.phase, status: phase.status }, phase.summary);
    if (!input.dryRun && phase.status !== "planned") {
      journal.push({
        phase: phase.phase,
        status: phase.status === "done" ? "done" : phase.status === "failed" ? "failed" : "skipped",
        at: host.clock.now().toISOString(),
        detail: phase.summary,
      });
    }
  };
  let current = "preflight";
  const phase = async (
    name: (typeof REGISTER_PHASES)[number],
    body: () => Promise<PhaseReport | undefined>,
  ) => {
    current = name;
    if ((SKIPPABLE_PHASES as readonly string[]).includes(name) && input.skipPhases.has(name)) {
      record({ phase: name, status: "skipped", summary: "skipped (--skip)" });
      return;
    }
    const result = await body();
    if (result) record(result);
  };

  try {
    await phase("preflight", () => runPreflight(deps, mode));
    const activation = await phaseActivation(input, deps, observed, mode, report, phase);
    const scriptNeeded = mode === "fresh" && (!observed.ssmRegistered || !observed.ecsInitInstalled);
    let scriptPath: string | undefined;
    let configChanged = false;

    await phase("ecs-config", async () => {
      if (mode === "move") return moveHost(input, deps, observed, desired);
      const [etcPlan] = planEcsConfigFiles(
        desired,
        { etc: observed.ecsConfigText, lib: undefined },
        host.redactor,
      );
      if (!etcPlan?.changed)
        return { phase: "ecs-config", status: "not-needed", summary: `${PATHS.ecsConfig} is up to date` };
      const details = diffFile(etcPlan, host.redactor);
      if (input.dryRun)
        return {
          phase: "ecs-config",
          status: "planned",
          summary: `write ${PATHS.ecsConfig} (0600)`,
          details,
        };
      await applyEcsConfigFiles(host.fs, [etcPlan]);
      // Before a fresh install the script starts ecs with this file; otherwise ecs must be restarted for it.
      configChanged = !scriptNeeded;
      return {
        phase: "ecs-config",
        status: "done",
        summary: `wrote ${PATHS.ecsConfig} (0600) before the install script`,
        details: etcPlan.changes,
      };
    });

    await phase("install-script", async () => {
      if (!scriptNeeded)
        return {
          phase: "install-script",
          status: "not-needed",
          summary: "SSM and ecs-init are already installed",
        };
      if (input.source.insecureSkipVerify) {
        host.progress(
          "WARNING: --insecure-skip-verify: the install script will run WITHOUT signature verification",
        );
      }
      if (input.dryRun)
        return {
          phase: "install-script",
          status: "planned",
          summary: `download and verify ${describeSource(input.source)}`,
        };
      scriptPath = await obtainVerifiedScript(input.source, { ...host, timeoutMs: 60_000 });
      return { phase: "install-script", status: "done", summary: `verified ${describeSource(input.source)}` };
    });

    await phase("run-script", async () => {
      const invocation: ScriptInvocation = {
        region: input.region,
        cluster,
        ...(activation ? { activation } : {}),
        host: input.config.host,
      };
      if (!scriptNeeded) {
        if (mode !== "fresh")
          return { phase: "run-script", status: "not-needed", summary: "the host is already installed" };
        if (input.dryRun)
          return {
            phase: "run-script",
            status: "planned",
            summary: "start ecs (SSM and ecs-init are installed)",
          };
        await host.systemd.enable(ECS_UNIT);
        await host.systemd.start(ECS_UNIT);
        return {
          phase: "run-script",
          status: "done",
          summary: "ecs-init already installed: enabled and started ecs",
        };
      }
      const command = `bash ${PATHS.script} ${maskedArguments(invocation).join(" ")}`;
      if (input.dryRun)
        return {
          phase: "run-script",
          status: "planned",
          summary: `run ${command}`,
          details: [`timeout ${input.scriptTimeoutMs / 1000}s`, scriptServices(input.config.host)],
        };
      const ran = await runInstallScript(scriptPath ?? PATHS.script, invocation, {
        ...host,
        timeoutMs: input.scriptTimeoutMs,
      });
      report.scriptDurationMs = ran.durationMs;
      return {
        phase: "run-script",
        status: "done",
        summary: `ran the install script in ${(ran.durationMs / 1000).toFixed(1)}s`,
        details: [`log: ${ran.logFile}`],
      };
    });

    await phase("normalize-config", () => normalizeAndStart(input, deps, desired, configChanged));

    await phase("verify", async () => {
      if (input.dryRun)
        return {
          phase: "verify",
          status: "planned",
          summary: "wait for the agent to register (introspection), then check the control plane",
        };
      const arn = await waitForRegistration(cluster, { ...host, timeoutMs: input.verifyTimeoutMs });
      report.containerInstanceArn = arn;
      const after = await observeHost(host.fs, host.introspection);
      if (after.managedInstanceId) report.managedInstanceId = after.managedInstanceId;
      const details = [
        `container instance ${arn}`,
        `managed instance ${after.managedInstanceId ?? "unknown"}`,
      ];
      if (deps.hasAwsCredentials) {
        await verifyControlPlane((await deps.aws()).ecs, cluster, arn);
        details.push("control plane: ACTIVE and agent connected");
      } else details.push("control plane: not checked (no AWS credentials)");
      return { phase: "verify", status: "done", summary: "the agent is registered to the cluster", details };
    });

    await phase("activation-cleanup", async () => {
      const created = activation !== undefined && input.supplied === undefined;
      if (!activation || (!created && !input.deleteActivation)) {
        return {
          phase: "activation-cleanup",
          status: "not-needed",
          summary: activation
            ? "supplied activation kept (pass --delete-activation to delete it)"
            : "no activation was used",
        };
      }
      if (input.dryRun)
        return {
          phase: "activation-cleanup",
          status: "planned",
          summary: "delete the activation once registration is verified",
        };
      await (await deps.aws()).ssm.deleteActivation(activation.id);
      return { phase: "activation-cleanup", status: "done", summary: `deleted activation ${activation.id}` };
    });

    await phase("state", async () => {
      if (input.dryRun)
        return { phase: "state", status: "planned", summary: `record the result in ${PATHS.state}` };
      await saveState(deps, input, report, journal);
      return { phase: "state", status: "done", summary: `recorded in ${PATHS.state} (0600)` };
    });
    return report;
  } catch (error) {
    if (!input.dryRun) {
      record({
        phase: current,
        status: "failed",
        summary: error instanceof Error ? error.message : String(error),
      });
      await saveState(deps, input, report, journal).catch(() => undefined);
      await discardActivation(input, deps, activationOf(report)).catch(() => undefined);
    }
    throw error;
  }
}

/** facts §1: the services the install script enables (and, unless noStart, starts). */
function scriptServices(host: Config["host"]): string {
  const docker = host.dockerInstallSource === "none" ? "" : ", docker (when it installs Docker)";
  const verb = host.noStart ? "enables (noStart: does not start)" : "enables and starts";
  return `services: the script ${verb} amazon-ssm-agent${docker} and ecs`;
}

function chooseMode(observed: HostObservation, cluster: string, move: boolean): Mode {
  const registered = registeredCluster(observed);
  // A stopped agent whose agent.db holds another cluster counts as registered there (facts §2: exit 5 loop).
  const elsewhere =
    registered ??
    (observed.agentDbPresent && observed.configuredCluster !== undefined
      ? observed.configuredCluster
      : undefined);
  if (elsewhere === undefined) return "fresh";
  if (elsewhere === cluster) return registered === cluster ? "already-registered" : "fresh";
  if (!move) {
    throw new OperationError(
      `this host is registered to cluster ${elsewhere}, not ${cluster}; refusing to move it`,
      {
        remediation: `re-run with --move to deregister it from ${elsewhere} and register it in ${cluster}`,
      },
    );
  }
  return "move";
}

async function runPreflight(deps: RegisterDeps, mode: Mode): Promise<PhaseReport> {
  const results = await deps.preflight(mode === "move" ? ["existing-registration"] : []);
  const failed = results.filter((result) => result.status === "fail");
  const details = results
    .filter((result) => result.status === "fail" || result.status === "warn")
    .map(
      (result) =>
        `${result.status}: ${result.name}: ${result.message}${result.remediation ? ` (fix: ${result.remediation})` : ""}`,
    );
  if (failed.length > 0) {
    throw new OperationError(
      `preflight failed: ${failed.map((result) => `${result.name} (${result.message})`).join("; ")}`,
      { remediation: failed[0]?.remediation ?? "run ecs-anywhere-agent check for details" },
    );
  }
  return {
    phase: "preflight",
    status: "done",
    summary: `${results.length} checks passed or warned`,
    details,
  };
}

async function phaseActivation(
  input: RegisterInput,
  deps: RegisterDeps,
  observed: HostObservation,
  mode: Mode,
  report: RegisterReport,
  phase: (name: "activation", body: () => Promise<PhaseReport | undefined>) => Promise<void>,
): Promise<{ id: string; code: string } | undefined> {
  let activation: { id: string; code: string } | undefined;
  await phase("activation", async () => {
    if (mode !== "fresh" || observed.ssmRegistered) {
      return {
        phase: "activation",
        status: "not-needed",
        summary: `SSM is already registered (${observed.managedInstanceId ?? "mi- id unknown"})`,
      };
    }
    if (input.supplied) {
      activation = { id: input.supplied.id, code: input.supplied.code };
      return {
        phase: "activation",
        status: "done",
        summary: `supplied activation ${input.supplied.id} (${input.supplied.source})`,
      };
    }
    const aws = await deps.aws();
    const identity = await aws.sts.getCallerIdentity();
    const reports = await runSteps(setupSteps(input.config, input.region, identity, aws), {
      dryRun: input.dryRun,
      log: deps.host.log,
    });
    report.changes = reports.flatMap((r) =>
      r.changes.map(({ id, action, summary, reason }) => ({ id, action, summary, reason })),
    );
    const cloud = reports.reduce((sum, r) => sum + pending(r.changes).length, 0);
    const expiresIn = Math.min(input.config.activation.expiresIn, JIT_EXPIRY_SECONDS);
    if (input.dryRun) {
      activation = { id: "(created-at-run-time)", code: MASK };
      return {
        phase: "activation",
        status: "planned",
        summary: `${cloud} cloud change(s), then a single-use activation expiring in ${expiresIn / 60} min`,
      };
    }
    const created = await createActivation(
      aws.ssm,
      {
        roleName: input.config.instanceRole.name,
        region: input.region,
        settings: { ...input.config.activation, expiresIn, registrationLimit: 1 },
        tags: resourceTags(input.config),
      },
      deps.host.clock,
      deps.host.redactor,
    );
    activation = { id: created.activationId, code: created.activationCode };
    report.createdActivationId = created.activationId;
    return {
      phase: "activation",
      status: "done",
      summary: `${cloud} cloud change(s); created single-use activation ${created.activationId} (expires ${created.expiresAt})`,
    };
  });
  return activation;
}

/** facts §2: moving clusters = deregister the old instance, stop ecs, remove agent.db, new ECS_CLUSTER, start. */
async function moveHost(
  input: RegisterInput,
  deps: RegisterDeps,
  observed: HostObservation,
  desired: Record<string, string>,
): Promise<PhaseReport> {
  const { host } = deps;
  const oldArn = observed.metadata.state === "ok" ? observed.metadata.containerInstanceArn : null;
  const oldCluster = registeredCluster(observed) ?? observed.configuredCluster ?? "unknown";
  const plans = planEcsConfigFiles(
    desired,
    { etc: observed.ecsConfigText, lib: observed.ecsConfigLibText },
    host.redactor,
  );
  const steps = [
    oldArn ? `deregister ${oldArn} from ${oldCluster}` : `no running agent to deregister from ${oldCluster}`,
    "stop ecs",
    `remove ${PATHS.agentDb}`,
    `set ECS_CLUSTER=${input.config.cluster} in ${PATHS.ecsConfig}`,
  ];
  if (input.dryRun)
    return {
      phase: "ecs-config",
      status: "planned",
      summary: `move from ${oldCluster} to ${input.config.cluster}`,
      details: steps,
    };
  if (deps.hasAwsCredentials) {
    // The agent only registers into an existing cluster (least privilege has no ecs:CreateCluster).
    const aws = await deps.aws();
    await runSteps(
      [clusterStep(input.config.cluster, resourceTags(input.config), aws.ecs) as Step<unknown>],
      {
        dryRun: false,
        log: host.log,
      },
    );
  }
  if (oldArn) {
    if (deps.hasAwsCredentials)
      await (await deps.aws()).ecs.deregisterContainerInstance(oldCluster, oldArn, true);
    else steps[0] = `${oldArn} left registered in ${oldCluster} (no AWS credentials): deregister it yourself`;
  }
  await host.systemd.stop(ECS_UNIT);
  await host.fs.remove(PATHS.agentDb);
  await applyEcsConfigFiles(host.fs, plans);
  return {
    phase: "ecs-config",
    status: "done",
    summary: `moved from ${oldCluster} to ${input.config.cluster}`,
    details: steps,
  };
}

/** The script appends lines (facts §1): normalise both files again; restart ecs when they changed. */
async function normalizeAndStart(
  input: RegisterInput,
  deps: RegisterDeps,
  desired: Record<string, string>,
  changedEarlier: boolean,
): Promise<PhaseReport> {
  const { host } = deps;
  if (input.dryRun)
    return {
      phase: "normalize-config",
      status: "planned",
      summary: "normalise both ecs.config files; restart ecs if they change",
    };
  const [etc, lib] = await Promise.all([
    host.fs.readText(PATHS.ecsConfig),
    host.fs.readText(PATHS.ecsConfigLib),
  ]);
  const plans = planEcsConfigFiles(desired, { etc, lib }, host.redactor);
  const changed = (await applyEcsConfigFiles(host.fs, plans)) || changedEarlier;
  const details = plans.flatMap((plan) => plan.changes.map((change) => `${plan.path}: ${change}`));
  const active = await host.systemd.isActive(ECS_UNIT);
  if (input.config.host.noStart && !active) {
    return {
      phase: "normalize-config",
      status: "done",
      summary: changed ? "normalised ecs.config (ecs not started: noStart)" : "ecs.config already normal",
      details,
    };
  }
  if (!active) {
    await host.systemd.start(ECS_UNIT);
    return { phase: "normalize-config", status: "done", summary: "started ecs", details };
  }
  if (changed) {
    await host.systemd.restart(ECS_UNIT);
    return {
      phase: "normalize-config",
      status: "done",
      summary: "normalised ecs.config and restarted ecs",
      details,
    };
  }
  return {
    phase: "normalize-config",
    status: "not-needed",
    summary: "both ecs.config files are normal; ecs is running",
  };
}

async function saveState(
  deps: RegisterDeps,
  input: RegisterInput,
  report: RegisterReport,
  journal: JournalEntry[],
): Promise<void> {
  const { fs, clock } = deps.host;
  const previous = await readState(fs);
  const now = clock.now().toISOString();
  const registeredNow =
    report.containerInstanceArn !== undefined &&
    report.containerInstanceArn !== previous?.containerInstanceArn;
  const state: AgentState = {
    version: 1,
    cluster: input.config.cluster,
    region: input.region,
    ...((report.containerInstanceArn ?? previous?.containerInstanceArn)
      ? { containerInstanceArn: report.containerInstanceArn ?? previous?.containerInstanceArn }
      : {}),
    ...((report.managedInstanceId ?? previous?.managedInstanceId)
      ? { managedInstanceId: report.managedInstanceId ?? previous?.managedInstanceId }
      : {}),
    ...(registeredNow
      ? { registeredAt: now }
      : previous?.registeredAt
        ? { registeredAt: previous.registeredAt }
        : {}),
    updatedAt: now,
    journal: [...(previous?.journal ?? []), ...journal].slice(-100),
  };
  await writeState(fs, state);
}

/** A just-in-time activation is single-use: when the run fails after creating it, delete it (best effort). */
async function discardActivation(
  input: RegisterInput,
  deps: RegisterDeps,
  activationId: string | undefined,
): Promise<void> {
  if (activationId === undefined || input.supplied !== undefined) return;
  await (await deps.aws()).ssm.deleteActivation(activationId);
  deps.host.log.info({ activationId }, "deleted the just-in-time activation after a failed run");
}

function activationOf(report: RegisterReport): string | undefined {
  return report.createdActivationId;
}
