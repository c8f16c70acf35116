import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { type JournalEntry, readState } from "../../components/agent-state/state.ts";
import {
  applyEcsConfigFiles,
  desiredKeys,
  diffFile,
  planEcsConfigFiles,
} from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { verifyControlPlane, waitForRegistration } from "../../components/ecs-agent/registration.ts";
import { describeSource, obtainVerifiedScript } from "../../components/install-script/obtain.ts";
import {
  maskedArguments,
  runInstallScript,
  type ScriptInvocation,
  scriptServices,
} from "../../components/install-script/run.ts";
import { observeSsmAgent } from "../../components/ssm-agent/registration.ts";
import { discardActivation, phaseActivation } from "./activation.ts";
import { chooseMode } from "./mode.ts";
import { moveHost } from "./move.ts";
import { normalizeAndStart } from "./normalize.ts";
import { observeHost } from "./observe.ts";
import { runPreflight } from "./preflight.ts";
import type { PhaseReport, RegisterReport } from "./report.ts";
import { deleteLeftoverActivation, saveState } from "./state.ts";
import { type REGISTER_PHASES, type RegisterDeps, type RegisterInput, SKIPPABLE_PHASES } from "./types.ts";

export { REGISTER_PHASES, type RegisterDeps, type RegisterInput, SKIPPABLE_PHASES } from "./types.ts";

/** Converges the host into the cluster. Observes first; every write happens in a named phase. */
export async function register(input: RegisterInput, deps: RegisterDeps): Promise<RegisterReport> {
  const { host } = deps;
  const cluster = input.config.cluster;
  const observed = await observeHost(host);
  const mode = chooseMode(observed, cluster, input.move);
  const desired = desiredKeys(input.config, input.region);
  // Planned (and so validated) up front: bad values are bad input, before anything is written.
  const [etcPlan] = planEcsConfigFiles(
    desired,
    { etc: observed.ecsConfigText, lib: undefined },
    host.redactor,
  );

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

  // state.json is read once per run (under the lock); the phases that write it build on this copy.
  const previousState = input.dryRun ? undefined : await readState(host.fs);
  try {
    if (!input.dryRun) await deleteLeftoverActivation(deps, previousState);
    await phase("preflight", () => runPreflight(deps, mode));
    const activation = await phaseActivation(input, deps, observed, mode, report, phase, previousState);
    const scriptNeeded = mode === "fresh" && (!observed.ssmRegistered || !observed.ecsInitInstalled);
    let scriptPath: string | undefined;
    let configChanged = false;

    await phase("ecs-config", async () => {
      if (mode === "move") return moveHost(input, deps, observed, desired);
      if (!etcPlan?.changed)
        return { phase: "ecs-config", status: "not-needed", summary: `${ECS_AGENT.config} is up to date` };
      const details = diffFile(etcPlan, host.redactor);
      if (input.dryRun)
        return {
          phase: "ecs-config",
          status: "planned",
          summary: `write ${ECS_AGENT.config} (0600)`,
          details,
        };
      await applyEcsConfigFiles(host.fs, [etcPlan]);
      // Before a fresh install the script starts ecs with this file; otherwise ecs must be restarted for it.
      configChanged = !scriptNeeded;
      return {
        phase: "ecs-config",
        status: "done",
        summary: `wrote ${ECS_AGENT.config} (0600) before the install script`,
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
        host.warn("--insecure-skip-verify: the install script will run WITHOUT signature verification");
      }
      if (input.dryRun)
        return {
          phase: "install-script",
          status: "planned",
          summary: `${input.source.insecureSkipVerify ? "download" : "download and verify"} ${describeSource(input.source)}`,
        };
      scriptPath = await obtainVerifiedScript(input.source, { ...host, timeoutMs: 60_000 });
      const verb = input.source.insecureSkipVerify ? "downloaded" : "verified";
      return { phase: "install-script", status: "done", summary: `${verb} ${describeSource(input.source)}` };
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
        // noStart holds on a re-run too: like the script's --no-start, enable ecs but do not start it.
        const { noStart } = input.config.host;
        if (input.dryRun)
          return {
            phase: "run-script",
            status: "planned",
            summary: `${noStart ? "enable ecs (noStart: not started)" : "start ecs"} (SSM and ecs-init are installed)`,
          };
        await host.systemd.enable(ECS_AGENT.unit);
        if (!noStart) await host.systemd.start(ECS_AGENT.unit);
        return {
          phase: "run-script",
          status: "done",
          summary: `ecs-init already installed: ${noStart ? "enabled ecs (noStart: not started)" : "enabled and started ecs"}`,
        };
      }
      const command = `bash ${AGENT_STATE.script} ${maskedArguments(invocation).join(" ")}`;
      if (input.dryRun)
        return {
          phase: "run-script",
          status: "planned",
          summary: `run ${command}`,
          details: [`timeout ${input.scriptTimeoutMs / 1000}s`, scriptServices(input.config.host)],
        };
      const ran = await runInstallScript(scriptPath ?? AGENT_STATE.script, invocation, {
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
      if (input.config.host.noStart && !(await host.systemd.isActive(ECS_AGENT.unit))) {
        report.outcome = "installed";
        return {
          phase: "verify",
          status: "not-needed",
          summary:
            "noStart: ecs was not started, so the agent has not registered yet; `systemctl start ecs` does it",
        };
      }
      const arn = await waitForRegistration(cluster, { ...host, timeoutMs: input.verifyTimeoutMs });
      report.containerInstanceArn = arn;
      // The install script registered SSM after the first observation: only that file is read again.
      const { managedInstanceId } = await observeSsmAgent(host.fs);
      if (managedInstanceId) report.managedInstanceId = managedInstanceId;
      const details = [`container instance ${arn}`, `managed instance ${managedInstanceId ?? "unknown"}`];
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
      report.activationDeleted = true;
      return { phase: "activation-cleanup", status: "done", summary: `deleted activation ${activation.id}` };
    });

    await phase("state", async () => {
      if (input.dryRun)
        return { phase: "state", status: "planned", summary: `record the result in ${AGENT_STATE.state}` };
      await saveState(deps, input, report, journal, previousState);
      return { phase: "state", status: "done", summary: `recorded in ${AGENT_STATE.state} (0600)` };
    });
    return report;
  } catch (error) {
    if (!input.dryRun) {
      record({
        phase: current,
        status: "failed",
        summary: error instanceof Error ? error.message : String(error),
      });
      if (!report.activationDeleted) {
        report.activationDeleted = await discardActivation(input, deps, report.createdActivationId).catch(
          () => false,
        );
      }
      await saveState(deps, input, report, journal, previousState).catch(() => undefined);
    }
    throw error;
  }
}
