import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { planDropIns } from "../../components/proxy/converge.ts";
import { dropInSource, PROXY_ECS_KEYS, proxyEcsConfigKeys } from "../../components/proxy/render.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { parseEcsConfig } from "../../ecsconfig/index.ts";
import { ok, type Probe, warned } from "./probe.ts";

/**
 * The proxy in every consumer (field notes §10.1-§10.5): the docker and SSM agent drop-ins hold what the settings
 * want (or are gone when no proxy is configured), and ecs.config's proxy keys agree (that file is the ecs-config
 * probe's to repair). The drop-ins are only reported: the daemon writes nothing under /etc/systemd/system (a
 * drop-in there runs as root outside its sandbox), `register` rewrites them. Not critical: a host with a stale
 * proxy may still work.
 */
export const proxyProbe: Probe = {
  name: "proxy",
  critical: false,
  async run(ctx) {
    const files = await ctx.files.dropIns();
    const unit = await ssmUnit(ctx.systemd);
    const plans = planDropIns(ctx.proxy, files, unit, "config").filter((plan) => plan.changed);
    const etc = parseEcsKeys(await ctx.files.ecsConfig());
    const wanted: Record<string, string> = ctx.proxy === undefined ? {} : proxyEcsConfigKeys(ctx.proxy);
    const ecsDrift = PROXY_ECS_KEYS.filter(
      (key) => wanted[key] !== etc.get(key) && (ctx.proxy !== undefined || plans.length > 0),
    );
    const dropIns = plans.map((plan) =>
      plan.next === undefined
        ? `${plan.path} still holds a proxy the config no longer has`
        : `${plan.path} ${plan.current === undefined ? "is missing" : "differs from the config's proxy"}`,
    );
    const problems = [
      ...(dropIns.length === 0
        ? []
        : [`${dropIns.join("; ")} (\`ecs-anywhere-agent register\` rewrites the drop-ins)`]),
      ...(ecsDrift.length === 0
        ? []
        : [`${ECS_AGENT.config}: ${ecsDrift.join(", ")} differ from the config's proxy`]),
    ];
    if (problems.length > 0) {
      const fixes = [
        ...(dropIns.length === 0
          ? []
          : [
              "run `ecs-anywhere-agent register` (it reloads systemd and restarts the units whose drop-in changed)",
            ]),
        ...(ecsDrift.length === 0 ? [] : ["the daemon rewrites ecs.config's keys (health.repair)"]),
      ];
      return warned(problems.join("; "), fixes.join("; "));
    }
    if (ctx.proxy === undefined) {
      const kept = [...files.values()].some((text) => dropInSource(text) === "environment");
      return ok(
        kept
          ? "no proxy in the config or the daemon's environment; the proxy `register` took from its environment is left as it is"
          : "no proxy configured",
      );
    }
    return ok(
      `docker, the SSM agent (${unit}) and ecs.config use the ${ctx.proxy.source === "config" ? "configured" : "environment's"} proxy`,
    );
  },
};

function parseEcsKeys(text: string | undefined): Map<string, string> {
  return new Map([...parseEcsConfig(text ?? "").values].map(([key, value]) => [key.trim(), value.trim()]));
}
