import { pingDocker } from "../adapters/host/docker.ts";
import { judgeRegistration } from "../adapters/host/introspection.ts";
import type { Systemd, UnitState } from "../adapters/host/systemd.ts";
import type { HostContext } from "../app/host.ts";
import { credentialsCheck } from "../checks/credentials.ts";
import type { CheckContext } from "../checks/index.ts";
import { judgeClockSkew, measureClockSkew } from "../checks/network.ts";
import { DOCKER } from "../components/docker/files.ts";
import { desiredKeys, type FilePlan, planEcsConfigFiles } from "../components/ecs-agent/config-files.ts";
import { ECS_AGENT } from "../components/ecs-agent/files.ts";
import { planDropIns, proxyToRemove, readDropIns } from "../components/proxy/converge.ts";
import { dropInSource, PROXY_ECS_KEYS, proxyEcsConfigKeys } from "../components/proxy/render.ts";
import type { ProxySettings } from "../components/proxy/settings.ts";
import {
  desiredSsmAgentKeys,
  readEndpointRecord,
  SSM_AGENT_CONFIG,
  ssmAgentConfigDrift,
  UnreadableSsmAgentConfig,
} from "../components/ssm-agent/endpoint-config.ts";
import { SSM_AGENT } from "../components/ssm-agent/files.ts";
import { observeSsmAgent, ssmUnit } from "../components/ssm-agent/registration.ts";
import type { Config } from "../config/schema.ts";
import { parseEcsConfig } from "../ecsconfig/index.ts";
import { describeError } from "../errors.ts";
import type { CheckStatus } from "./status.ts";

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
  /** The control plane with the instance role's own credentials (built on first use; loads the SDK). */
  controlPlane?: () => Promise<ControlPlane>;
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

const ok = (message: string): ProbeVerdict => ({ status: "ok", message });
const failed = (message: string, remediation: string): ProbeVerdict => ({
  status: "failed",
  message,
  remediation,
});
const warned = (message: string, remediation: string): ProbeVerdict => ({
  status: "warn",
  message,
  remediation,
});

const GIB = 1024 ** 3;
/** field notes §4.3: credentials last about an hour and are rotated at half-life. */
const CREDENTIALS_WARN_MS = 15 * 60_000;

/** field notes §2.4: a container instance ARN in the configured cluster, not just any answer. */
const ecsAgentProbe: Probe = {
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

function unitProbe(name: string, role: UnitRole, unitOf: (ctx: ProbeContext) => Promise<string>): Probe {
  return {
    name,
    critical: true,
    async run(ctx) {
      const unit = await unitOf(ctx);
      if (await ctx.systemd.isActive(unit)) return ok(`${unit} is active`);
      ctx.facts.inactiveUnits.push({ role, unit });
      return failed(
        `${unit} is not active`,
        `see \`systemctl status ${unit}\` and \`journalctl -u ${unit}\``,
      );
    },
  };
}

const ssmRegistrationProbe: Probe = {
  name: "ssm-registration",
  critical: true,
  async run(ctx) {
    const observed = await observeSsmAgent(ctx.host.fs, ctx.host.redactor);
    if (observed.managedInstanceId) ctx.facts.managedInstanceId = observed.managedInstanceId;
    if (observed.region) ctx.facts.ssmRegion = observed.region;
    if (!observed.registered) {
      return failed(
        `the SSM agent is not registered (${SSM_AGENT.registrationKey} holds no instance id)`,
        "register the host: `ecs-anywhere-agent register`",
      );
    }
    if (observed.managedInstanceId === undefined) {
      return failed(
        `the SSM agent is registered, but ${SSM_AGENT.registration} holds no valid managed instance id (mi- and 17 hex digits)`,
        "see `journalctl -u amazon-ssm-agent`; `ecs-anywhere-agent deregister`, then `register`, registers the host again",
      );
    }
    const wanted = ctx.config.region;
    if (wanted !== undefined && observed.region !== undefined && observed.region !== wanted) {
      return failed(
        `the SSM agent is registered in ${observed.region}, the config says ${wanted}`,
        "deregister and register again in the configured region, or fix the config's region",
      );
    }
    return ok(`managed instance ${observed.managedInstanceId} in ${observed.region ?? "an unknown region"}`);
  },
};

/** field notes §4.2, §4.3: the SSM agent's identity says when the credentials it wrote expire. */
const credentialsFreshProbe: Probe = {
  name: "credentials-fresh",
  critical: true,
  async run(ctx) {
    const text = await ctx.host.fs.readText(SSM_AGENT.identityConfig);
    if (text === undefined) {
      return failed(
        `${SSM_AGENT.identityConfig} does not exist: the SSM agent has not fetched instance credentials`,
        "check that the SSM agent runs and is registered (`journalctl -u amazon-ssm-agent`)",
      );
    }
    const expires = parseTime(jsonField(text, "CredentialsExpiresAt"));
    if (expires === undefined) {
      return failed(
        `${SSM_AGENT.identityConfig} has no readable CredentialsExpiresAt`,
        "restart the SSM agent so it fetches credentials again",
      );
    }
    ctx.facts.credentialsExpireAt = expires;
    const left = expires.getTime() - ctx.host.clock.now().getTime();
    if (!(await ctx.host.fs.exists(SSM_AGENT.credentials))) {
      return failed(
        `${SSM_AGENT.credentials} does not exist`,
        "restart the SSM agent; it writes the instance role's credentials there",
      );
    }
    const restart =
      "restart the SSM agent (`systemctl restart amazon-ssm-agent`) and check its log: it should rotate them at half-life";
    if (left <= 0) return failed(`the instance credentials expired at ${expires.toISOString()}`, restart);
    const minutes = Math.floor(left / 60_000);
    if (left < CREDENTIALS_WARN_MS)
      return warned(`the instance credentials expire in ${minutes} min`, restart);
    return ok(`the instance credentials expire in ${minutes} min`);
  },
};

const dockerProbe: Probe = {
  name: "docker",
  critical: true,
  async run(ctx) {
    const ping = await pingDocker(ctx.checks.dockerSocket, ctx.checks.timeoutMs);
    if (ping.ok) return ok(ping.message);
    return failed(ping.message, "see `systemctl status docker` and `journalctl -u docker`");
  },
};

/** The desired keys in /etc/ecs/ecs.config, and /var/lib/ecs/ecs.config without duplicates (field notes §3). */
const ecsConfigProbe: Probe = {
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
      ctx.proxy === undefined && proxyToRemove(await readDropIns(ctx.host.fs), "config")
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

/**
 * The proxy in every consumer (field notes §10.1-§10.5): the docker and SSM agent drop-ins hold what the settings
 * want (or are gone when no proxy is configured), and ecs.config's proxy keys agree (that file is the ecs-config
 * probe's to repair). The drop-ins are only reported: the daemon writes nothing under /etc/systemd/system (a
 * drop-in there runs as root outside its sandbox), `register` rewrites them. Not critical: a host with a stale
 * proxy may still work.
 */
const proxyProbe: Probe = {
  name: "proxy",
  critical: false,
  async run(ctx) {
    const files = await readDropIns(ctx.host.fs);
    const unit = await ssmUnit(ctx.systemd);
    const plans = planDropIns(ctx.proxy, files, unit, "config").filter((plan) => plan.changed);
    const etc = parseEcsKeys(await ctx.host.fs.readText(ECS_AGENT.config));
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

/**
 * The SSM agent's endpoint overrides (field notes §10.10): amazon-ssm-agent.json holds the keys the config's
 * endpoints call for, and no longer those `register` set for endpoints since removed (its record says which).
 * Only reported: the file is `register`'s to write (the unit keeps /etc read-only), and the agent restarts to read
 * it. Present in the report when the config names an endpoint the SSM agent uses.
 */
const ssmEndpointsProbe: Probe = {
  name: "ssm-endpoints",
  critical: false,
  enabled: (ctx) =>
    ctx.region !== undefined && Object.keys(desiredSsmAgentKeys(ctx.config.endpoints, ctx.region)).length > 0,
  async run(ctx) {
    const desired = desiredSsmAgentKeys(ctx.config.endpoints, ctx.region ?? "");
    const [text, record] = await Promise.all([
      ctx.host.fs.readText(SSM_AGENT_CONFIG),
      readEndpointRecord(ctx.host.fs),
    ]);
    let drift: ReturnType<typeof ssmAgentConfigDrift>;
    try {
      drift = ssmAgentConfigDrift(text, desired, record.ssmAgent);
    } catch (error) {
      if (!(error instanceof UnreadableSsmAgentConfig)) throw error;
      return warned(
        `${error.message}: the SSM agent cannot read it either`,
        `fix ${SSM_AGENT_CONFIG} (the SSM agent reads plain JSON) or move it away, then run \`ecs-anywhere-agent register\``,
      );
    }
    const problems = [
      ...(text === undefined
        ? [`${SSM_AGENT_CONFIG} does not exist`]
        : drift.missing.length > 0
          ? [`${SSM_AGENT_CONFIG} lacks the configured ${drift.missing.join(", ")}`]
          : []),
      ...(drift.stale.length > 0
        ? [`${SSM_AGENT_CONFIG} still holds ${drift.stale.join(", ")}, which the config no longer has`]
        : []),
    ];
    if (problems.length > 0) {
      return warned(
        `${problems.join("; ")} (\`ecs-anywhere-agent register\` writes the SSM agent's endpoint overrides)`,
        "run `ecs-anywhere-agent register`: it writes the file and restarts the SSM agent to read it",
      );
    }
    return ok(`${SSM_AGENT_CONFIG} holds the configured endpoints (${Object.keys(desired).join(", ")})`);
  },
};

function parseEcsKeys(text: string | undefined): Map<string, string> {
  return new Map([...parseEcsConfig(text ?? "").values].map(([key, value]) => [key.trim(), value.trim()]));
}

const TEN_MINUTES = 10 * 60_000;

/** field notes §6.5: the preflight check, at most every 10 minutes (it asks an AWS endpoint). */
const clockSkewProbe: Probe = {
  name: "clock-skew",
  critical: false,
  minIntervalMs: TEN_MINUTES,
  enabled: (ctx) => ctx.region !== undefined,
  async run(ctx) {
    const measured = await measureClockSkew({ ...ctx.checks, region: ctx.region ?? "" });
    if (measured.ok) ctx.facts.clockSkewSeconds = Math.round(measured.skewMs / 1000);
    return verdictOf(judgeClockSkew(measured));
  },
};

const diskProbe: Probe = {
  name: "disk",
  critical: false,
  async run(ctx) {
    const min = ctx.config.health.minFreeDiskMiB * 1024 * 1024;
    const paths = [DOCKER.dataRoot, ECS_AGENT.stateDir];
    const free = await Promise.all(paths.map((path) => ctx.host.system.freeBytes(path)));
    const lines = paths.map((path, i) => `${((free[i] ?? 0) / GIB).toFixed(1)} GiB free under ${path}`);
    const low = paths.filter((_, i) => (free[i] ?? 0) < min);
    if (low.length === 0) return ok(lines.join(", "));
    return failed(lines.join(", "), `free space under ${low.join(" and ")} (images: \`docker image prune\`)`);
  },
};

/** field notes §6.3: the preflight check, every pass. */
const shadowingProbe: Probe = {
  name: "credential-shadowing",
  critical: false,
  async run(ctx, signal) {
    return verdictOf(await credentialsCheck.plan(ctx.checks, signal));
  },
};

/** Opt-in: what ECS and SSM say about this host, with its own instance-role credentials, at most once a minute. */
const controlPlaneProbe: Probe = {
  name: "control-plane",
  critical: true,
  late: true,
  minIntervalMs: 60_000,
  enabled: (ctx) => ctx.config.health.controlPlane && ctx.controlPlane !== undefined,
  async run(ctx) {
    const { containerInstanceArn: arn, managedInstanceId: id } = ctx.facts;
    if (arn === undefined || id === undefined || ctx.controlPlane === undefined) {
      return { status: "skipped", message: "not registered yet: nothing to ask the control plane about" };
    }
    const plane = await ctx.controlPlane();
    const [instance, ping] = await Promise.all([
      plane.agentConnected(ctx.config.cluster, arn),
      plane.pingStatus(id),
    ]);
    ctx.facts.agentConnected = instance?.agentConnected === true;
    const problems = [
      ...(instance === undefined ? [`ECS does not know ${arn}`] : []),
      ...(instance && instance.status !== "ACTIVE" ? [`the container instance is ${instance.status}`] : []),
      ...(instance && !instance.agentConnected ? ["ECS says the agent is not connected"] : []),
      ...(ping !== "Online" ? [`SSM says the managed instance is ${ping ?? "unknown"}`] : []),
    ];
    if (problems.length === 0) return ok("ACTIVE, agent connected; SSM ping Online");
    return failed(
      problems.join("; "),
      `see the ECS agent's log (${ECS_AGENT.logs.agent}) and the SSM agent's; check outbound HTTPS to ECS and SSM`,
    );
  },
};

/** What the unit probes ask of systemd. */
export type UnitView = Pick<Systemd, "isActive" | "isLoaded">;

/** The units a pass looks at: the ECS agent, the SSM agent (deb/rpm and snap), Docker. */
export const PROBED_UNITS: readonly string[] = [
  ECS_AGENT.unit,
  SSM_AGENT.unit,
  SSM_AGENT.snapUnit,
  DOCKER.unit,
];

/**
 * One pass's view of the probed units: the first question reads all of them with one `systemctl show`, the rest
 * answer from it (a pass every 15 s would otherwise fork systemctl four times). Should that call fail, each
 * question falls back to its own systemctl call, which reports the failure as it always has.
 */
export function passUnits(systemd: Systemd): UnitView {
  let read: Promise<Map<string, UnitState> | undefined> | undefined;
  const stateOf = async (unit: string) => {
    read ??= systemd.states(PROBED_UNITS).catch(() => undefined);
    return (await read)?.get(unit);
  };
  return {
    isActive: async (unit) => (await stateOf(unit))?.active ?? systemd.isActive(unit),
    isLoaded: async (unit) => (await stateOf(unit))?.loaded ?? systemd.isLoaded(unit),
  };
}

/** Every probe, in report order. */
export const PROBES: readonly Probe[] = [
  ecsAgentProbe,
  unitProbe("ecs-unit", "ecs", async () => ECS_AGENT.unit),
  unitProbe("ssm-unit", "ssm-agent", (ctx) => ssmUnit(ctx.systemd)),
  unitProbe("docker-unit", "docker", async () => DOCKER.unit),
  ssmRegistrationProbe,
  credentialsFreshProbe,
  dockerProbe,
  ecsConfigProbe,
  proxyProbe,
  ssmEndpointsProbe,
  clockSkewProbe,
  diskProbe,
  shadowingProbe,
  controlPlaneProbe,
];

export const PROBE_NAMES: readonly string[] = PROBES.map((probe) => probe.name);

function verdictOf(plan: { status?: string; summary: string; remediation?: string }): ProbeVerdict {
  const status = plan.status === "warn" || plan.status === "failed" ? plan.status : "ok";
  return {
    status,
    message: plan.summary,
    ...(plan.remediation === undefined ? {} : { remediation: plan.remediation }),
  };
}

function jsonField(text: string, field: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[field]
      : undefined;
  } catch {
    return undefined;
  }
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** A probe's own exception is its failure, said so (never a stack). */
export function probeCrashed(error: unknown): ProbeVerdict {
  const line = describeError(error).split("\n", 1)[0] ?? "";
  return failed(`the probe itself failed: ${line}`, "re-run with --log-level debug");
}
