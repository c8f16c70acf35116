import { applyEcsConfigFiles, planEcsConfigFiles } from "../../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import type { PhaseReport } from "./report.ts";
import type { RegisterDeps, RegisterInput } from "./types.ts";

/** The script appends lines (facts §1): normalise both files again; restart ecs when they changed. */
export async function normalizeAndStart(
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
    host.fs.readText(ECS_AGENT.config),
    host.fs.readText(ECS_AGENT.configLib),
  ]);
  const plans = planEcsConfigFiles(desired, { etc, lib }, host.redactor);
  const changed = (await applyEcsConfigFiles(host.fs, plans)) || changedEarlier;
  const details = plans.flatMap((plan) => plan.changes.map((change) => `${plan.path}: ${change}`));
  const active = await host.systemd.isActive(ECS_AGENT.unit);
  if (input.config.host.noStart && !active) {
    return {
      phase: "normalize-config",
      status: "done",
      summary: changed ? "normalised ecs.config (ecs not started: noStart)" : "ecs.config already normal",
      details,
    };
  }
  if (!active) {
    await host.systemd.start(ECS_AGENT.unit);
    return { phase: "normalize-config", status: "done", summary: "started ecs", details };
  }
  if (changed) {
    await host.systemd.restart(ECS_AGENT.unit);
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
