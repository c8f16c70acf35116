import {
  applyDropIns,
  describeDropIn,
  dropInAction,
  planDropIns,
  readDropIns,
} from "../../components/proxy/converge.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { type Change, nothing, type Plan, type Step } from "../../engine/step.ts";
import type { RegisterRun } from "./run.ts";

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
