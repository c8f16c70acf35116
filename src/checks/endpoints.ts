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
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${spec.host}.${region}.${suffix}`;
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
