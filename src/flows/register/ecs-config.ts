import {
  applyEcsConfigFiles,
  diffFile,
  planEcsConfigFiles,
} from "../../components/ecs-agent/config-files.ts";
import { effectiveValuesDiffer } from "../../components/ecs-agent/effective-config.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { change, nothing, type Plan, type Step } from "../../engine/step.ts";
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
