import { dnsSuffix } from "../adapters/aws/partition.ts";
/** The AWS services a registered host talks to, with the SDK's endpoint-override variable suffix. */
export const HOST_SERVICES = [
  { name: "ssm", envId: "SSM", host: "ssm" },
  { name: "ec2messages", envId: "EC2MESSAGES", host: "ec2messages" },
  { name: "ssmmessages", envId: "SSMMESSAGES", host: "ssmmessages" },
  { name: "ecs", envId: "ECS", host: "ecs" },
  // The ECR API lives at api.ecr.REGION (as the SDK resolves it).
  { name: "ecr", envId: "ECR", host: "api.ecr" },
  // The install script downloads the SSM agent and ecs-init packages from s3.REGION (field notes §1).
  { name: "s3", envId: "S3", host: "s3" },
] as const;

export type HostService = (typeof HOST_SERVICES)[number]["name"];

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
}

/**
 * Resolves a service endpoint the way the AWS SDK does: `AWS_ENDPOINT_URL_<SERVICE>` beats
 * `AWS_ENDPOINT_URL`, else `https://<service>.<region>.amazonaws.com` (`.com.cn` in China regions).
 */
export function endpointFor(
  env: Readonly<Record<string, string | undefined>>,
  service: HostService,
  region: string,
): string {
  const spec = HOST_SERVICES.find((candidate) => candidate.name === service);
  if (spec === undefined) throw new Error(`unknown service ${service}`);
  const override = nonEmpty(env[`AWS_ENDPOINT_URL_${spec.envId}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  if (override !== undefined) return override;
  return `https://${spec.host}.${region}.${dnsSuffix(region)}`;
}

export function hostEndpoints(env: Readonly<Record<string, string | undefined>>, region: string): Endpoint[] {
  return HOST_SERVICES.map(({ name }) => ({ name, url: endpointFor(env, name, region) }));
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
