import type { Systemd } from "../../adapters/host/systemd.ts";
import type { HostContext } from "../../app/host.ts";
import type { CheckContext } from "../../checks/index.ts";
import type { FilePlan } from "../../components/ecs-agent/config-files.ts";
import type { DropInFiles } from "../../components/proxy/converge.ts";
import type { ProxySettings } from "../../components/proxy/settings.ts";
import type { Config } from "../../config/schema.ts";
import { describeError } from "../../errors.ts";
import type { UnitView } from "../pass-units.ts";
import type { CheckStatus } from "../status.ts";

/** What one pass learned beyond the verdicts: the repairs, the metrics and the report read it. */
export interface PassFacts {
  registered?: boolean;
  containerInstanceArn?: string;
  agentVersion?: string;
  managedInstanceId?: string;
  /** The region SSM registered the host in (the registration file's). */
  ssmRegion?: string;
  /** Units found inactive, by role. */
  inactiveUnits: { role: UnitRole; unit: string }[];
  /** The ecs.config plans when a file differs from what the config wants. */
  drift?: { plans: FilePlan[]; current: { etc: string | undefined; lib: string | undefined } };
  credentialsExpireAt?: Date;
  clockSkewSeconds?: number;
  agentConnected?: boolean;
}

export type UnitRole = "ecs" | "ssm-agent" | "docker";

export interface ProbeVerdict {
  status: CheckStatus;
  message: string;
  remediation?: string;
}

/** What probes read: the host (every path under the root), the check context, the config of the moment. */
export interface ProbeContext {
  host: HostContext;
  /** The units' states for this pass (one systemctl call, see passUnits), with the probe timeout. */
  systemd: UnitView;
  /** systemctl with the repair timeout, for restarts. */
  repairSystemd: Systemd;
  checks: CheckContext;
  config: Config;
  /** The proxy of the config, else of the daemon's environment (field notes §10). */
  proxy: ProxySettings | undefined;
  /** The configured region, else the one SSM registered in; undefined before registration. */
  region: string | undefined;
  facts: PassFacts;
  /** Files more than one probe reads, each read once per pass. */
  files: PassFiles;
  /** The control plane with the instance role's own credentials (built on first use; loads the SDK). */
  controlPlane?: () => Promise<ControlPlane>;
}

export interface PassFiles {
  /** The docker and SSM agent proxy drop-ins (the ecs-config and proxy probes). */
  dropIns(): Promise<DropInFiles>;
}

export interface ControlPlane {
  agentConnected(
    cluster: string,
    arn: string,
  ): Promise<{ status: string; agentConnected: boolean } | undefined>;
  pingStatus(managedInstanceId: string): Promise<string | undefined>;
}

/** One observation the daemon makes each pass (or less often); read-only, never throws past the runner. */
export interface Probe {
  name: string;
  /** A failed critical probe makes the host not ready. */
  critical: boolean;
  /** Probed at most this often; in between the last verdict is kept. */
  minIntervalMs?: number;
  /** Runs after the others (it reads their facts). */
  late?: boolean;
  enabled?(ctx: ProbeContext): boolean;
  run(ctx: ProbeContext, signal: AbortSignal): Promise<ProbeVerdict>;
}

export const ok = (message: string): ProbeVerdict => ({ status: "ok", message });
export const failed = (message: string, remediation: string): ProbeVerdict => ({
  status: "failed",
  message,
  remediation,
});
export const warned = (message: string, remediation: string): ProbeVerdict => ({
  status: "warn",
  message,
  remediation,
});

/** A preflight check's plan as a verdict (the daemon runs some of preflight's checks as probes). */
export function verdictOf(plan: { status?: string; summary: string; remediation?: string }): ProbeVerdict {
  const status = plan.status === "warn" || plan.status === "failed" ? plan.status : "ok";
  return {
    status,
    message: plan.summary,
    ...(plan.remediation === undefined ? {} : { remediation: plan.remediation }),
  };
}

/** A probe's own exception is its failure, said so (never a stack). */
export function probeCrashed(error: unknown): ProbeVerdict {
  const line = describeError(error).split("\n", 1)[0] ?? "";
  return failed(`the probe itself failed: ${line}`, "re-run with --log-level debug");
}
