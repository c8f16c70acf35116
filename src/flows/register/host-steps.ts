import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import {
  applyEcsConfigFiles,
  diffFile,
  planEcsConfigFiles,
} from "../../components/ecs-agent/config-files.ts";
import { effectiveValuesDiffer } from "../../components/ecs-agent/effective-config.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { verifyControlPlane, waitForRegistration } from "../../components/ecs-agent/registration.ts";
import { describeSource, obtainVerifiedScript } from "../../components/install-script/obtain.ts";
import {
  maskedArguments,
  runInstallScript,
  type ScriptInvocation,
  scriptServices,
} from "../../components/install-script/run.ts";
import {
  applyDropIns,
  describeDropIn,
  dropInAction,
  planDropIns,
  readDropIns,
} from "../../components/proxy/converge.ts";
import { scriptProxyEnv } from "../../components/proxy/render.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { observeSsmAgent, ssmUnit } from "../../components/ssm-agent/registration.ts";
import { type Change, change, nothing, type Plan, type Step } from "../../engine/step.ts";
import { formatDuration } from "../../util/duration.ts";
import { movePlan } from "./move.ts";
import type { RegisterRun } from "./run.ts";

/** /etc/ecs/ecs.config with the desired keys, before the install script reads it (or the move's reset). */
export const ecsConfigStep: Step<RegisterRun> = {
  id: "ecs-config",
  async plan(run): Promise<Plan> {
    if (run.mode === "move") return movePlan(run);
    const { etcPlan } = run;
    if (!etcPlan.changed) return nothing(`${ECS_AGENT.config} is up to date`);
    const written = change(
      `write ${ECS_AGENT.config} (0600)`,
      async () => {
        await applyEcsConfigFiles(run.deps.host.fs, [etcPlan]);
        // Before a fresh install the script starts ecs with this file; otherwise ecs must restart for it, when
        // a value it reads changed.
        run.configChanged =
          !run.scriptNeeded &&
          effectiveValuesDiffer({ etc: etcPlan.current, lib: run.observed.ecsConfigLibText }, [etcPlan]);
        return {
          summary: `wrote ${ECS_AGENT.config} (0600) before the install script`,
          details: etcPlan.changes,
        };
      },
      { action: "update" },
    );
    return { ...written, details: diffFile(etcPlan, run.deps.host.redactor) };
  },
};

/**
 * The proxy's systemd drop-ins for docker and the SSM agent (field notes §10.3, §10.4), before the install script
 * starts them; removed again when no proxy is configured. A changed drop-in means daemon-reload and a restart of
 * its unit when it runs. The ECS agent's share is in ecs.config (the ecs-config step).
 */
export const proxyStep: Step<RegisterRun> = {
  id: "proxy",
  async plan(run): Promise<Plan> {
    const { host } = run.deps;
    const { proxy } = run.input;
    // Which SSM unit (snap or not) matters only for writing; without a proxy only the agent's own files go.
    const unit = proxy === undefined ? SSM_AGENT.unit : await ssmUnit(host.systemd);
    const plans = planDropIns(proxy, await readDropIns(host.fs), unit, "any");
    const changed = plans.filter((plan) => plan.changed);
    if (changed.length === 0) {
      return nothing(
        proxy === undefined
          ? "no proxy configured, and none of the agent's proxy drop-ins is left"
          : "the docker and SSM agent drop-ins hold the proxy",
      );
    }
    return {
      summary:
        proxy === undefined
          ? "remove the proxy from docker and the SSM agent"
          : "give docker and the SSM agent the proxy",
      changes: changed.map(
        (plan): Change => ({
          id: `proxy/${plan.role}`,
          action: plan.next === undefined ? "delete" : plan.current === undefined ? "create" : "update",
          summary: `${dropInAction(plan)}; daemon-reload, and restart ${plan.unit} if it runs`,
          details: describeDropIn(plan, host.redactor),
          apply: async () => ({
            summary: (await applyDropIns(host.fs, host.systemd, [plan])).join("; "),
          }),
        }),
      ),
    };
  },
};

/** Download and verify the official script; nothing is saved, let alone run, unless it verified. */
export const installScriptStep: Step<RegisterRun> = {
  id: "install-script",
  async plan(run, signal): Promise<Plan> {
    const { source } = run.input;
    if (!run.scriptNeeded) return nothing("SSM and ecs-init are already installed");
    if (source.insecureSkipVerify) {
      run.deps.host.warn(
        "--insecure-skip-verify: the install script will run WITHOUT signature verification",
      );
    }
    const verb = source.insecureSkipVerify ? "download" : "download and verify";
    return change(`${verb} ${describeSource(source)}`, async () => {
      run.verifiedScript = (
        await obtainVerifiedScript(source, {
          ...run.deps.host,
          timeoutMs: 60_000,
          signal,
          proxy: run.input.proxy,
        })
      ).bytes;
      return {
        summary: `${source.insecureSkipVerify ? "downloaded" : "verified"} ${describeSource(source)}`,
      };
    });
  },
};

/** The install script (fresh hosts), or just enabling and starting ecs when everything is installed. */
export const runScriptStep: Step<RegisterRun> = {
  id: "run-script",
  async plan(run, signal): Promise<Plan> {
    const { input, deps } = run;
    const { host } = deps;
    if (!run.scriptNeeded) {
      if (run.mode !== "fresh") return nothing("the host is already installed");
      // noStart holds on a re-run too: like the script's --no-start, enable ecs but do not start it.
      const { noStart } = input.config.host;
      return change(
        `${noStart ? "enable ecs (noStart: not started)" : "start ecs"} (SSM and ecs-init are installed)`,
        async () => {
          await host.systemd.enable(ECS_AGENT.unit);
          if (!noStart) await host.systemd.start(ECS_AGENT.unit);
          return {
            summary: `ecs-init already installed: ${noStart ? "enabled ecs (noStart: not started)" : "enabled and started ecs"}`,
          };
        },
      );
    }
    // field notes §8.5: with ecs-init already installed (e.g. after a deregister without --purge) the script
    // neither enables nor starts ecs, then waits for it in vain and exits 1. So it runs with --no-start (it still
    // registers SSM) and the agent starts both services itself afterwards.
    const startsServicesItself = run.observed.ecsInitInstalled && !input.config.host.noStart;
    const scriptHost = startsServicesItself ? { ...input.config.host, noStart: true } : input.config.host;
    const invocation = (): ScriptInvocation => ({
      region: input.region,
      cluster: input.config.cluster,
      ...(run.activation ? { activation: run.activation } : {}),
      host: scriptHost,
      ...(input.config.endpoints.ecs ? { ecsEndpoint: input.config.endpoints.ecs } : {}),
    });
    const details = [
      `timeout ${formatDuration(Math.round(input.scriptTimeoutMs / 1000))}`,
      scriptServices(scriptHost),
      ...(startsServicesItself
        ? [
            "ecs-init is already installed: then enable and start the SSM agent and ecs (the script would not)",
          ]
        : []),
    ];
    const script = change(
      `run bash ${AGENT_STATE.script} ${maskedArguments(invocation()).join(" ")}`,
      async () => {
        if (run.verifiedScript === undefined) throw new Error("no verified install script to run");
        const ran = await runInstallScript(run.verifiedScript, invocation(), {
          ...host,
          env: { ...host.env, ...scriptProxyEnv(input.proxy) },
          timeoutMs: input.scriptTimeoutMs,
          signal,
        });
        run.report.scriptDurationMs = ran.durationMs;
        const started: string[] = [];
        if (startsServicesItself) {
          for (const unit of [await ssmUnit(host.systemd), ECS_AGENT.unit]) {
            await host.systemd.enable(unit);
            await host.systemd.start(unit);
            started.push(unit);
          }
        }
        return {
          summary: `ran the install script in ${formatDuration(Math.round(ran.durationMs / 1000))}${started.length > 0 ? `; enabled and started ${started.join(" and ")}` : ""}`,
          details: [`log: ${host.fs.resolve(ran.logFile)}`],
        };
      },
    );
    return { ...script, details };
  },
};

/**
 * The script appends lines (field notes §1): normalise both files again, then (re)start ecs when needed.
 * It looks at the host when it applies, after the install script has run, not when the run is planned.
 */
export const normalizeStep: Step<RegisterRun> = {
  id: "normalize-config",
  async plan(run): Promise<Plan> {
    const { host } = run.deps;
    return change("normalise both ecs.config files; restart ecs if they change", async () => {
      const [etc, lib, active] = await Promise.all([
        host.fs.readText(ECS_AGENT.config),
        host.fs.readText(ECS_AGENT.configLib),
        host.systemd.isActive(ECS_AGENT.unit),
      ]);
      const plans = planEcsConfigFiles(run.desired, { etc, lib }, host.redactor, run.absentKeys);
      await applyEcsConfigFiles(host.fs, plans);
      // Collapsing the script's duplicate ECS_CLUSTER line is not worth a restart: only what ecs-init sees is.
      const changed = effectiveValuesDiffer({ etc, lib }, plans) || run.configChanged;
      const details = plans.flatMap((plan) => plan.changes.map((line) => `${plan.path}: ${line}`));
      if (run.input.config.host.noStart && !active) {
        return changed
          ? { summary: "normalised ecs.config (ecs not started: noStart)", details }
          : { status: "ok", summary: "ecs.config already normal" };
      }
      if (!active) {
        await host.systemd.start(ECS_AGENT.unit);
        return { summary: "started ecs", details };
      }
      if (changed) {
        await host.systemd.restart(ECS_AGENT.unit);
        return { summary: "normalised ecs.config and restarted ecs", details };
      }
      return { status: "ok", summary: "both ecs.config files are normal; ecs is running" };
    });
  },
};

/** The agent's own word (introspection), then the control plane's (ACTIVE and connected) when AWS is callable. */
export const verifyStep: Step<RegisterRun> = {
  id: "verify",
  async plan(run, signal): Promise<Plan> {
    const { input, deps, report } = run;
    const { host } = deps;
    return change(
      "wait for the agent to register (introspection), then check the control plane",
      async () => {
        if (input.config.host.noStart && !(await host.systemd.isActive(ECS_AGENT.unit))) {
          report.outcome = "installed";
          return {
            status: "ok",
            summary:
              "noStart: ecs was not started, so the agent has not registered yet; `systemctl start ecs` does it",
          };
        }
        const started = host.clock.now().getTime();
        const arn = await waitForRegistration(input.config.cluster, {
          ...host,
          timeoutMs: input.verifyTimeoutMs,
          signal,
        });
        report.containerInstanceArn = arn;
        // The install script registered SSM after the first observation: only that file is read again.
        const { managedInstanceId } = await observeSsmAgent(host.fs);
        if (managedInstanceId) report.managedInstanceId = managedInstanceId;
        const details = [`container instance ${arn}`, `managed instance ${managedInstanceId ?? "unknown"}`];
        if (deps.hasAwsCredentials) {
          // Within the same --verify-timeout: the agent connects to the control plane after it registers.
          await verifyControlPlane((await deps.aws()).ecs, input.config.cluster, arn, {
            clock: host.clock,
            timeoutMs: input.verifyTimeoutMs,
            startedAt: started,
            progress: host.progress,
            ...(signal ? { signal } : {}),
          });
          details.push("control plane: ACTIVE and agent connected");
        } else details.push("control plane: not checked (no AWS credentials)");
        return { status: "ok", summary: "the agent is registered to the cluster", details };
      },
    );
  },
};
