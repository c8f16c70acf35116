import { planDropIns } from "../../components/proxy/converge.ts";
import { dropInSource } from "../../components/proxy/render.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { ok, type Probe, warned } from "./probe.ts";

/**
 * The proxy's systemd drop-ins (field notes §10.1-§10.5): docker's and the SSM agent's hold what the settings want,
 * or are gone when no proxy is configured. ecs.config's proxy keys are the ecs-config probe's, like every key of
 * that file, so one drift is one warning and one repair. The drop-ins are only reported: the daemon writes nothing
 * under /etc/systemd/system (a drop-in there runs as root outside its sandbox), `register` rewrites them. Not
 * critical: a host with a stale proxy may still work.
 */
export const proxyProbe: Probe = {
  name: "proxy",
  critical: false,
  async run(ctx) {
    const files = await ctx.files.dropIns();
    const unit = await ssmUnit(ctx.systemd);
    const plans = planDropIns(ctx.proxy, files, unit, "config").filter((plan) => plan.changed);
    if (plans.length > 0) {
      const dropIns = plans.map((plan) =>
        plan.next === undefined
          ? `${plan.path} still holds a proxy the config no longer has`
          : `${plan.path} ${plan.current === undefined ? "is missing" : "differs from the config's proxy"}`,
      );
      return warned(
        `${dropIns.join("; ")} (\`ecs-anywhere-agent register\` rewrites the drop-ins)`,
        "run `ecs-anywhere-agent register` (it reloads systemd and restarts the units whose drop-in changed)",
      );
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
      `docker and the SSM agent (${unit}) use the ${ctx.proxy.source === "config" ? "configured" : "environment's"} proxy`,
    );
  },
};
