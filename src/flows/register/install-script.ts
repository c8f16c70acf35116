import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { describeSource, obtainVerifiedScript } from "../../components/install-script/obtain.ts";
import {
  maskedArguments,
  runInstallScript,
  type ScriptInvocation,
  scriptServices,
} from "../../components/install-script/run.ts";
import { scriptProxyEnv } from "../../components/proxy/render.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { change, nothing, type Plan, type Step } from "../../engine/step.ts";
import { formatDuration } from "../../util/duration.ts";
import type { RegisterRun } from "./run.ts";

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
