import { inCidr } from "../adapters/aws/proxy-route.ts";
import { DOCKER } from "../components/docker/files.ts";
import { ECS_AGENT } from "../components/ecs-agent/files.ts";
import { readEcsConfigFiles } from "../components/ecs-agent/observe.ts";
import { type EnvMap, readUnitEnvironment } from "./host-files.ts";
import { defineCheck, fail, pass } from "./types.ts";

const PROXY_NAMES = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] as const;
const NO_PROXY_NAMES = ["NO_PROXY", "no_proxy"] as const;
// field notes §3, §6.4: instance metadata and the task credential endpoint must bypass the proxy; the ECS agent
// also talks to the Docker socket through its HTTP client.
const METADATA_HOSTS = ["169.254.169.254", "169.254.170.2"] as const;

/** Names of the proxy variables set (non-empty) in `env`. */
export function proxyVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return PROXY_NAMES.filter((name) => (env[name] ?? "").trim() !== "");
}

/** The entries of NO_PROXY that `required` lacks; understands `*`, exact hosts and IPv4 CIDR blocks. */
export function missingNoProxy(noProxy: string, required: readonly string[]): string[] {
  const entries = noProxy
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.includes("*")) return [];
  return required.filter((host) => !entries.some((entry) => entry === host || inCidr(host, entry)));
}

interface ProxySource {
  where: string;
  env: Readonly<Record<string, string | undefined>>;
  required: readonly string[];
  fix: string;
}

export const proxyCheck = defineCheck(
  "proxy",
  "a configured proxy is bypassed for instance metadata, task credentials and the Docker socket",
  async (ctx) => {
    const sources: ProxySource[] = [
      {
        where: "the agent's environment",
        env: ctx.env,
        required: METADATA_HOSTS,
        fix: "the environment the agent runs with",
      },
      {
        where: "ecs.config",
        env: plain(await readEcsConfigFiles(ctx.fs)),
        required: [...METADATA_HOSTS, DOCKER.socket],
        fix: ECS_AGENT.config,
      },
      {
        where: "docker.service drop-ins",
        env: plain(await readUnitEnvironment(ctx.fs, DOCKER.unit)),
        required: METADATA_HOSTS,
        fix: `an Environment= line in /etc/systemd/system/${DOCKER.unit}.service.d/`,
      },
    ];
    const problems: string[] = [];
    const fixes: string[] = [];
    for (const source of sources) {
      const proxies = proxyVariables(source.env);
      if (proxies.length === 0) continue;
      const noProxy = NO_PROXY_NAMES.map((name) => source.env[name] ?? "").join(",");
      const missing = missingNoProxy(noProxy, source.required);
      if (missing.length === 0) continue;
      problems.push(`${source.where} sets ${proxies.join("/")} but NO_PROXY lacks ${missing.join(", ")}`);
      fixes.push(`add ${missing.join(",")} to NO_PROXY in ${source.fix}`);
    }
    const configured = sources.filter((source) => proxyVariables(source.env).length > 0);
    if (problems.length > 0)
      return fail(problems.join("; "), `${fixes.join("; ")} (keep your other entries)`);
    if (configured.length === 0) return pass("no proxy configured");
    return pass(
      `proxy configured in ${configured.map((s) => s.where).join(", ")}, with the required NO_PROXY entries`,
    );
  },
);

function plain(env: EnvMap): Record<string, string> {
  return Object.fromEntries([...env.values()].map(({ name, value }) => [name, value]));
}
