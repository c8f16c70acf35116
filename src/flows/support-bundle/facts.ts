import type { Host } from "../../app/host-build.ts";
import { parseOsRelease, readOsRelease } from "../../checks/distribution.ts";
import { proxyVariables } from "../../checks/proxy.ts";
import { DOCKER } from "../../components/docker/files.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { observeSsmAgent, type SsmObservation, ssmUnit } from "../../components/ssm-agent/registration.ts";
import { describeError } from "../../errors.ts";
import { choosePackageManager } from "../deregister/packages.ts";
import type { CollectContext, Sink } from "./collect.ts";
import { runForBundle } from "./host-commands.ts";
import { maskUserinfo } from "./redact-files.ts";

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax.
const DPKG_VERSION_FORMAT = "-f=${Version}\\n";

/** What several collectors need of the host, read once per bundle: os-release, the SSM agent's unit and files. */
export interface BundleHost {
  /** os-release(5) as read (undefined when neither /etc nor /usr/lib has it). */
  osRelease: string | undefined;
  /** The SSM agent's unit: the snap one when systemd has it loaded (one `systemctl show`). */
  ssmUnit: string;
  ssm: SsmObservation;
}

export async function observeBundleHost(host: Host["host"]): Promise<BundleHost> {
  const [osRelease, unit, ssm] = await Promise.all([
    readOsRelease(host.fs),
    ssmUnit(host.systemd),
    observeSsmAgent(host.fs, host.redactor),
  ]);
  return { osRelease, ssmUnit: unit, ssm };
}

/** The facts the preflight checks decide on, as they are on this host (read-only, no AWS call). */
export async function hostFacts(ctx: CollectContext, sink: Sink): Promise<void> {
  const { fs, system } = ctx.built.host;
  const { ssm } = ctx.observed;
  const env = ctx.app.deps.env;
  const osRelease = parseOsRelease(ctx.observed.osRelease ?? "");
  const existing = async (paths: readonly string[]) => {
    for (const path of paths) if (await fs.exists(path)) return path;
    return undefined;
  };
  const free = await system.freeBytes("/var/lib").catch((error: unknown) => describeError(error));
  const facts = {
    root: fs.root,
    hostname: system.hostname(),
    uid: system.uid(),
    architecture: system.arch(),
    osRelease: Object.fromEntries(
      ["ID", "ID_LIKE", "VERSION_ID", "PRETTY_NAME"].map((key) => [key, osRelease.get(key) ?? null]),
    ),
    systemd: await fs.exists("/run/systemd/system"),
    freeBytesVarLib: free,
    region: ctx.region ?? null,
    docker: { binary: (await existing(DOCKER.binaries)) ?? null, socket: await fs.exists(DOCKER.socket) },
    ecsInit: await fs.exists(ECS_AGENT.ecsInit),
    ssmAgent: {
      unit: ctx.observed.ssmUnit,
      registered: ssm.registered,
      managedInstanceId: ssm.managedInstanceId ?? null,
      region: ssm.region ?? null,
    },
    // The agent's own proxy environment, credentials in URLs masked (field notes §10.7).
    proxyEnvironment: Object.fromEntries(
      [...proxyVariables(env), ...["NO_PROXY", "no_proxy"].filter((name) => env[name] !== undefined)].map(
        (name) => [name, maskUserinfo(env[name] ?? "")],
      ),
    ),
  };
  sink.file({ name: "host/facts.json", source: "host facts (preflight)", content: json(facts) });
}

/**
 * Versions of everything involved: this agent and node, the ECS agent as it reports itself, the packages
 * (ecs-init, the SSM agent: deb, rpm or snap), Docker, the kernel. The raw outputs go in as commands/*.txt.
 */
export async function versions(ctx: CollectContext, sink: Sink): Promise<void> {
  const { fs, introspection } = ctx.built.host;
  const manager = choosePackageManager(ctx.observed.osRelease);
  const snap = ctx.observed.ssmUnit === SSM_AGENT.snapUnit;
  const packageQuery = async (pkg: string, viaSnap: boolean) => {
    const name = `commands/package-${pkg}.txt`;
    const [cmd, args]: [string, string[]] = viaSnap
      ? ["snap", ["list", pkg]]
      : manager === "apt"
        ? ["dpkg-query", ["-W", DPKG_VERSION_FORMAT, pkg]]
        : ["rpm", ["-q", pkg]];
    return firstLine((await runForBundle(ctx, sink, name, cmd, args))?.content);
  };
  const metadata = await introspection.metadata();
  const tasks = await introspection.tasks();
  sink.file({
    name: "ecs/introspection.json",
    source: `${introspection.baseUrl}/v1/metadata, /v1/tasks`,
    content: json({ metadata, tasks }),
  });
  // The Docker socket under the root, like every host path (the real one is /var/run/docker.sock).
  const socket = `unix://${fs.resolve(DOCKER.socket)}`;
  const docker = await runForBundle(ctx, sink, "commands/docker-version.txt", "docker", [
    "-H",
    socket,
    "version",
  ]);
  const kernel = await runForBundle(ctx, sink, "commands/uname.txt", "uname", ["-srvmo"]);
  const osRelease = parseOsRelease(ctx.observed.osRelease ?? "");
  const summary = {
    ecsAnywhereAgent: ctx.agentVersion,
    node: process.version,
    ecsAgent: metadata.state === "ok" ? metadata.version : null,
    ecsInitPackage: await packageQuery(ECS_AGENT.package, false),
    ssmAgentPackage: await packageQuery(SSM_AGENT.package, snap),
    docker: dockerVersions(docker?.content ?? ""),
    os: osRelease.get("PRETTY_NAME") ?? null,
    kernel: firstLine(kernel?.content),
  };
  sink.file({ name: "host/versions.json", source: "versions", content: json(summary) });
}

/** `docker version`: the client's and the engine's Version lines (the engine's section starts "Server:"). */
function dockerVersions(text: string): { client: string | null; engine: string | null } {
  const at = text.search(/^Server:/m);
  const version = (part: string) => /^\s*Version:\s*(\S+)/m.exec(part)?.[1] ?? null;
  return {
    client: version(at < 0 ? text : text.slice(0, at)),
    engine: at < 0 ? null : version(text.slice(at)),
  };
}

function firstLine(text: string | undefined): string | null {
  const line = text?.trim().split("\n")[0]?.trim();
  return line ? line : null;
}
