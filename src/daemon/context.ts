import { createControlPlanePorts } from "../adapters/aws/clients.ts";
import type { AwsPorts } from "../adapters/aws/ports.ts";
import { createSystemd } from "../adapters/host/systemd.ts";
import type { App } from "../app/app.ts";
import type { Host } from "../app/host-build.ts";
import { type DropInFiles, readDropIns } from "../components/proxy/converge.ts";
import { resolveProxy } from "../components/proxy/settings.ts";
import { SSM_AGENT } from "../components/ssm-agent/files.ts";
import { observeSsmAgent } from "../components/ssm-agent/registration.ts";
import { sdkEndpoints } from "../config/endpoints.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { passUnits } from "./pass-units.ts";
import type { ControlPlane, PassFacts, PassFiles, ProbeContext } from "./probes/probe.ts";

/** The region the config, flags or environment name; undefined when none does (not an error for the daemon). */
export function configuredRegion(app: App): string | undefined {
  try {
    return app.region();
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}

/** The region the daemon works in: the configured one, else the one SSM registered the host in. */
export async function daemonRegion(app: App, host: Host): Promise<string | undefined> {
  return configuredRegion(app) ?? (await observeSsmAgent(host.host.fs, app.redactor)).region;
}

/**
 * Builds each pass's probe context from the host and the config of the moment. The control plane is asked
 * with the instance role's own credentials (the [default] profile SSM writes, field notes §4.3), read again
 * whenever they rotate; the AWS SDK is loaded only when that check is on.
 */
export function probeContexts(app: App, host: Host, config: Config, region: string | undefined) {
  const timeoutMs = config.health.probeTimeout * 1000;
  const systemd = createSystemd({ run: host.host.run, redactor: app.redactor, timeoutMs });
  const repairSystemd = createSystemd({
    run: host.host.run,
    redactor: app.redactor,
    timeoutMs: config.health.repairTimeout * 1000,
  });
  const checks = { ...host.checks, timeoutMs, ...(region === undefined ? {} : { region }) };
  const proxy = resolveProxy(config, app.deps.env);
  // One set of clients for the daemon's life; the SDK reads the credentials file again before each call, so a
  // rotation needs no new client (a client per key kept adding compiled code and heap).
  let ports: Promise<Pick<AwsPorts, "ecs" | "ssm">> | undefined;
  const controlPlane = async (): Promise<ControlPlane> => {
    if (region === undefined) throw new Error("no region known");
    ports ??= createControlPlanePorts({
      region,
      env: Object.fromEntries(
        Object.entries(app.deps.env).filter(([name]) => name.startsWith("AWS_ENDPOINT_URL")),
      ),
      endpoints: sdkEndpoints(config.endpoints),
      credentials: async () => {
        const read = await instanceCredentials(host, app);
        return {
          accessKeyId: read.AWS_ACCESS_KEY_ID,
          secretAccessKey: read.AWS_SECRET_ACCESS_KEY,
          ...(read.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: read.AWS_SESSION_TOKEN }),
        };
      },
      redactor: app.redactor,
      log: app.log,
      maxAttempts: 2,
      ...(proxy === undefined ? {} : { proxy }),
    }).catch((error: unknown) => {
      ports = undefined;
      throw error;
    });
    const aws = await ports;
    return {
      agentConnected: async (cluster, arn) => (await aws.ecs.describeContainerInstances(cluster, [arn]))[0],
      pingStatus: async (id) => (await aws.ssm.describeManagedInstance(id))?.pingStatus,
    };
  };
  return (facts: PassFacts): ProbeContext => ({
    files: passFiles(host),
    host: host.host,
    systemd: passUnits(systemd),
    repairSystemd,
    checks,
    config,
    proxy,
    region,
    facts,
    ...(config.health.controlPlane && region !== undefined ? { controlPlane } : {}),
  });
}

/**
 * The [default] profile of the credentials file SSM writes; its secrets join the redactor before anything else,
 * replacing those of the rotation before last (the redactor would otherwise grow with every rotation).
 */
async function instanceCredentials(host: Host, app: App) {
  const text = await host.host.fs.readText(SSM_AGENT.credentials);
  const section = /^\s*\[\s*default\s*\]\s*$([\s\S]*?)(?=^\s*\[|(?![\s\S]))/m.exec(text ?? "")?.[1] ?? "";
  const value = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*(\\S+)\\s*$`, "m").exec(section)?.[1];
  const accessKey = value("aws_access_key_id");
  const secret = value("aws_secret_access_key");
  const token = value("aws_session_token");
  app.redactor.rotate("instance-role", [secret, token]);
  if (accessKey === undefined || secret === undefined) {
    throw new Error(
      `${SSM_AGENT.credentials} has no [default] credentials: the SSM agent has not written them`,
    );
  }
  return {
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secret,
    ...(token === undefined ? {} : { AWS_SESSION_TOKEN: token }),
  };
}

/** One pass's reads of the files two probes look at: the first probe to ask reads, the other gets the same text. */
export function passFiles(host: Pick<Host, "host">): PassFiles {
  let dropIns: Promise<DropInFiles> | undefined;
  return {
    dropIns: () => (dropIns ??= readDropIns(host.host.fs)),
  };
}
