import { BACKEND_HOST, planBackendHostRemoval } from "../../components/ecs-agent/backend-host.ts";
import { applyEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import {
  applySsmAgentConfig,
  desiredSsmAgentKeys,
  observeSsmAgentConfig,
  planSsmAgentConfig,
  readEndpointRecord,
  SSM_AGENT_CONFIG,
  type SsmAgentConfigPlan,
  UnreadableSsmAgentConfig,
  writeEndpointRecord,
} from "../../components/ssm-agent/endpoint-config.ts";
import { ssmUnit } from "../../components/ssm-agent/registration.ts";
import { failure, nothing, type Plan, type Step } from "../../engine/step.ts";
import type { RegisterRun } from "./run.ts";

/**
 * The endpoint settings other programs read (field notes §10.9, §10.10), before the install script runs: the SSM
 * agent's overrides (its registration reads Ssm.Endpoint from the file), and ECS_BACKEND_HOST taken out of both
 * ecs.config files again once endpoints.ecs is gone (ecs-config and the script's --ecs-endpoint set it). A running
 * SSM agent is restarted to read its file; ecs restarts in normalize-config when its files changed.
 */
export const endpointConfigStep: Step<RegisterRun> = {
  id: "endpoint-config",
  async plan(run): Promise<Plan> {
    const { host } = run.deps;
    const { endpoints } = run.input.config;
    const [observed, record, etc, lib] = await Promise.all([
      observeSsmAgentConfig(host.fs),
      readEndpointRecord(host.fs),
      host.fs.readText(ECS_AGENT.config),
      host.fs.readText(ECS_AGENT.configLib),
    ]);
    const desired = desiredSsmAgentKeys(endpoints, run.input.region);
    let ssm: SsmAgentConfigPlan;
    try {
      ssm = planSsmAgentConfig(observed.text, desired, record.ssmAgent, record.ssmAgentCreated);
    } catch (error) {
      if (!(error instanceof UnreadableSsmAgentConfig)) throw error;
      return failure(
        `${error.message}: the SSM agent cannot read it either`,
        `fix ${SSM_AGENT_CONFIG} (the SSM agent reads plain JSON) or move it away, then re-run register`,
      );
    }
    const ecs = planBackendHostRemoval({ etc, lib }, record.ecsConfig[BACKEND_HOST], endpoints.ecs);
    const ecsRecord: Record<string, string> = endpoints.ecs ? { [BACKEND_HOST]: endpoints.ecs } : {};
    const recordChanged = JSON.stringify(ecsRecord) !== JSON.stringify(record.ecsConfig);
    const details = [...ecs.changes, ...ssm.changes];
    if (!ssm.changed && ecs.plans.length === 0 && !recordChanged) {
      const configured = Object.keys(desired).length > 0 || endpoints.ecs !== undefined;
      return nothing(
        configured ? "the SSM agent and ecs.config have the configured endpoints" : "no endpoints configured",
        details.length > 0 ? details : undefined,
      );
    }
    const changes: NonNullable<Plan["changes"]> = [];
    if (ecs.plans.length > 0 || recordChanged) {
      changes.push({
        id: "endpoint-config/ecs-backend-host",
        action: ecs.plans.length > 0 ? "delete" : "update",
        summary:
          ecs.plans.length > 0
            ? `remove ${BACKEND_HOST} from ${ecs.plans.map((p) => p.path).join(" and ")}`
            : `record ${BACKEND_HOST} as set from endpoints.ecs`,
        ...(ecs.changes.length > 0 ? { details: ecs.changes } : {}),
        async apply() {
          if (ecs.plans.length > 0) {
            await applyEcsConfigFiles(host.fs, ecs.plans);
            // normalize-config restarts ecs for it.
            run.configChanged = true;
          }
          record.ecsConfig = ecsRecord;
          await writeEndpointRecord(host.fs, record);
        },
      });
    }
    if (ssm.changed) {
      const verb = ssm.next === null ? "remove" : "write";
      changes.push({
        id: "endpoint-config/ssm-agent",
        action: ssm.next === null ? "delete" : observed.text === undefined ? "create" : "update",
        summary: `${verb} ${SSM_AGENT_CONFIG} (SSM agent endpoints)`,
        details: ssm.changes,
        async apply() {
          await applySsmAgentConfig(host.fs, ssm, observed, record);
          const unit = await ssmUnit(host.systemd);
          const restarted = await host.systemd.isActive(unit);
          if (restarted) await host.systemd.restart(unit);
          // The runner keeps the plan's details when a step has several changes, and replaces them with these
          // when it has one.
          const restart = restarted ? [`restarted ${unit} to read the file`] : [];
          return {
            summary: `${ssm.next === null ? "removed" : "wrote"} ${SSM_AGENT_CONFIG}${restarted ? `; restarted ${unit}` : ""}`,
            details: changes.length === 1 ? [...details, ...restart] : restart,
          };
        },
      });
    }
    return { summary: changes.map((c) => c.summary).join("; "), changes, details };
  },
};
