import { dnsSuffix } from "../adapters/aws/partition.ts";
import { endpointFromEnv } from "../config/endpoints.ts";
import type { EndpointsConfig } from "../config/schema.ts";
import type { EndpointKey } from "../config/schema-network.ts";

/**
 * The AWS services a registered host talks to, with the SDK's endpoint-override variable suffix and the
 * `endpoints:` key that points them elsewhere (field notes §10.8).
 */
export const HOST_SERVICES = [
  { name: "ssm", envId: "SSM", host: "ssm", key: "ssm" },
  { name: "ec2messages", envId: "EC2MESSAGES", host: "ec2messages", key: "ec2messages" },
  { name: "ssmmessages", envId: "SSMMESSAGES", host: "ssmmessages", key: "ssmmessages" },
  { name: "ecs", envId: "ECS", host: "ecs", key: "ecs" },
  // The ECR API lives at api.ecr.REGION (as the SDK resolves it).
  { name: "ecr", envId: "ECR", host: "api.ecr", key: "ecrApi" },
  // The install script downloads the SSM agent and ecs-init packages from s3.REGION (field notes §1).
  { name: "s3", envId: "S3", host: "s3", key: "s3" },
] as const;

export type HostService = (typeof HOST_SERVICES)[number]["name"];

/**
 * Endpoints probed only when the config names them: their public hosts are picked by AWS (ecs-a-*, ecs-t-*,
 * *.dkr.ecr) or are not needed by every host. The SDK's variable, where the service has one, still wins.
 */
const CONFIGURED_ONLY: readonly { key: EndpointKey; envId?: string }[] = [
  { key: "ecsAgent" },
  { key: "ecsTelemetry" },
  { key: "ecrDkr" },
  { key: "logs", envId: "CLOUDWATCH_LOGS" },
  { key: "sts", envId: "STS" },
  { key: "kms", envId: "KMS" },
  { key: "iam", envId: "IAM" },
];

export const DEFAULT_INSTALL_SCRIPT_URL =
  "https://amazon-ecs-agent.s3.amazonaws.com/ecs-anywhere-install-latest.sh";

/**
 * Hosts the install script itself downloads from (field notes §8.5): the package signing keys from GitHub's
 * raw-content host, and Docker from Docker's repository (install source all or docker, on the distributions
 * it has a repository for). Each can be pointed elsewhere for the probe (a mirror, a test server).
 */
export const SCRIPT_DOWNLOAD_HOSTS = {
  signingKeys: {
    name: "signing-keys",
    url: "https://raw.githubusercontent.com",
    env: "ECS_ANYWHERE_PROBE_SIGNING_KEYS_URL",
  },
  docker: {
    name: "docker-repository",
    url: "https://download.docker.com",
    env: "ECS_ANYWHERE_PROBE_DOCKER_URL",
  },
} as const;

/** The distributions for which the install script adds Docker's own repository (field notes §1.4, §8.5). */
export const DOCKER_REPOSITORY_DISTROS = ["centos", "fedora", "debian", "ubuntu"] as const;

export function scriptDownloadEndpoint(
  env: Readonly<Record<string, string | undefined>>,
  host: keyof typeof SCRIPT_DOWNLOAD_HOSTS,
): Endpoint {
  const spec = SCRIPT_DOWNLOAD_HOSTS[host];
  return { name: spec.name, url: nonEmpty(env[spec.env]) ?? spec.url };
}

export interface Endpoint {
  name: string;
  url: string;
  /** The `endpoints:` key the URL came from (a private or FIPS endpoint), when it did. */
  configured?: EndpointKey;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves a service endpoint as the agent's own clients do: `AWS_ENDPOINT_URL_<SERVICE>` beats
 * `AWS_ENDPOINT_URL`, which beats the config's `endpoints:` key, else `https://<service>.<region>.amazonaws.com`
 * (`.com.cn` in China regions).
 */
export function resolveEndpoint(
  env: Env,
  service: HostService,
  region: string,
  endpoints?: EndpointsConfig,
): Endpoint {
  const spec = HOST_SERVICES.find((candidate) => candidate.name === service);
  if (spec === undefined) throw new Error(`unknown service ${service}`);
  const override = endpointFromEnv(env, spec.envId);
  if (override !== undefined) return { name: service, url: override };
  const configured = endpoints?.[spec.key];
  if (configured !== undefined) return { name: service, url: configured, configured: spec.key };
  return { name: service, url: `https://${spec.host}.${region}.${dnsSuffix(region)}` };
}

export function endpointFor(
  env: Env,
  service: HostService,
  region: string,
  endpoints?: EndpointsConfig,
): string {
  return resolveEndpoint(env, service, region, endpoints).url;
}

/** Every endpoint preflight probes: the host's services, then the other configured ones. */
export function hostEndpoints(env: Env, region: string, endpoints?: EndpointsConfig): Endpoint[] {
  const found = HOST_SERVICES.map(({ name }) => resolveEndpoint(env, name, region, endpoints));
  for (const { key, envId } of CONFIGURED_ONLY) {
    const configured = endpoints?.[key];
    if (configured === undefined) continue;
    const override = endpointFromEnv(env, envId);
    found.push(
      override === undefined ? { name: key, url: configured, configured: key } : { name: key, url: override },
    );
  }
  return found;
}

/** What may be shown of a URL: scheme, host and port only (a presigned URL's query holds credentials). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "(invalid URL)";
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
