import {
  desiredSsmAgentKeys,
  readEndpointRecord,
  SSM_AGENT_CONFIG,
  ssmAgentConfigDrift,
  UnreadableSsmAgentConfig,
} from "../../components/ssm-agent/endpoint-config.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { observeSsmAgent } from "../../components/ssm-agent/registration.ts";
import { failed, ok, type Probe, warned } from "./probe.ts";

/** field notes §4.3: credentials last about an hour and are rotated at half-life. */
const CREDENTIALS_WARN_MS = 15 * 60_000;

export const ssmRegistrationProbe: Probe = {
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
export const credentialsFreshProbe: Probe = {
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

/**
 * The SSM agent's endpoint overrides (field notes §10.10): amazon-ssm-agent.json holds the keys the config's
 * endpoints call for, and no longer those `register` set for endpoints since removed (its record says which).
 * Only reported: the file is `register`'s to write (the unit keeps /etc read-only), and the agent restarts to read
 * it. Present in the report when the config names an endpoint the SSM agent uses.
 */
export const ssmEndpointsProbe: Probe = {
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
