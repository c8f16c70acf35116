import { judgeRegistration } from "../../adapters/host/introspection.ts";
import { desiredKeys, planEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { proxyToRemove } from "../../components/proxy/converge.ts";
import { PROXY_ECS_KEYS } from "../../components/proxy/render.ts";
import { failed, ok, type Probe, warned } from "./probe.ts";

/** field notes §2.4: a container instance ARN in the configured cluster, not just any answer. */
export const ecsAgentProbe: Probe = {
  name: "ecs-agent",
  critical: true,
  async run(ctx) {
    const metadata = await ctx.host.introspection.metadata();
    const problem = judgeRegistration(metadata, ctx.config.cluster);
    ctx.facts.registered = problem === undefined;
    if (metadata.state === "ok") {
      ctx.facts.agentVersion = metadata.version;
      if (metadata.containerInstanceArn !== null)
        ctx.facts.containerInstanceArn = metadata.containerInstanceArn;
    }
    if (problem !== undefined || metadata.state !== "ok") {
      return failed(
        problem ?? "the ECS agent is not answering",
        `see \`systemctl status ecs\` and ${ECS_AGENT.logs.agent}; \`ecs-anywhere-agent register\` registers the host`,
      );
    }
    return ok(`registered in ${ctx.config.cluster} (${metadata.version})`);
  },
};

/**
 * The desired keys in /etc/ecs/ecs.config, the proxy's included (field notes §3, §10): every key of that file is
 * this probe's to report and its repair's (`rewrite-ecs-config`) to rewrite; the proxy probe looks at the drop-ins.
 */
export const ecsConfigProbe: Probe = {
  name: "ecs-config",
  critical: false,
  async run(ctx) {
    if (ctx.region === undefined) {
      return {
        status: "skipped",
        message: "no region configured and SSM has not registered: nothing to compare",
      };
    }
    const [etc, lib, installed] = await Promise.all([
      ctx.host.fs.readText(ECS_AGENT.config),
      ctx.host.fs.readText(ECS_AGENT.configLib),
      ctx.host.fs.exists(ECS_AGENT.ecsInit),
    ]);
    if (etc === undefined && !installed) {
      return { status: "skipped", message: "ecs-init is not installed: `register` writes ecs.config" };
    }
    // Only /etc/ecs/ecs.config, the file whose keys the agent owns: the duplicates the install script leaves in
    // /var/lib/ecs/ecs.config are register's to tidy, and the unit keeps /var/lib/ecs read-only.
    // field notes §10: the proxy keys go once the config's proxy has gone (never one register took from its
    // environment: the daemon's environment rarely has one, see RemovalScope).
    const absent =
      ctx.proxy === undefined && proxyToRemove(await ctx.files.dropIns(), "config")
        ? [...PROXY_ECS_KEYS]
        : [];
    const plans = planEcsConfigFiles(
      desiredKeys(ctx.config, ctx.region, ctx.proxy),
      { etc, lib },
      ctx.host.redactor,
      absent,
    ).filter((plan) => plan.path === ECS_AGENT.config);
    const drifted = plans.filter((plan) => plan.changed);
    if (drifted.length === 0) return ok(`${ECS_AGENT.config} holds what the config wants`);
    ctx.facts.drift = { plans, current: { etc, lib } };
    const keys = drifted.flatMap((plan) => plan.changes);
    return warned(
      `drift in ${ECS_AGENT.config}: ${keys.join("; ")}`,
      "the daemon rewrites the keys (health.repair), or run `ecs-anywhere-agent register` again",
    );
  },
};
