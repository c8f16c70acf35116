// The `endpoints:` section and who uses each key (field notes §10.8-§10.11). One table, so the README, the SSM
// agent's file, the install script's flag, the agent's own SDK clients and preflight never disagree.
import type { EndpointsConfig } from "./schema.ts";
import type { EndpointKey } from "./schema-network.ts";

/** The SDK clients of this agent (adapters/aws/clients.ts). */
export type SdkService = "IAM" | "STS" | "SSM" | "ECS";

export interface EndpointUse {
  /** The VPC endpoint service, `com.amazonaws.REGION.<this>` (field notes §10.8). */
  vpcService: string;
  /** The public host, `<this>.REGION.<dns suffix>`; undefined where AWS picks the host (ecs-a-*, *.dkr.ecr). */
  publicHost?: string;
  /** The SDK client of this agent that calls it, if any. */
  sdk?: SdkService;
}

/** What each key is (field notes §10.8; IAM: one endpoint per partition, in us-east-1 for `aws`). */
export const ENDPOINT_USES: Record<EndpointKey, EndpointUse> = {
  ssm: { vpcService: "ssm", publicHost: "ssm", sdk: "SSM" },
  ec2messages: { vpcService: "ec2messages", publicHost: "ec2messages" },
  ssmmessages: { vpcService: "ssmmessages", publicHost: "ssmmessages" },
  ecs: { vpcService: "ecs", publicHost: "ecs", sdk: "ECS" },
  ecsAgent: { vpcService: "ecs-agent" },
  ecsTelemetry: { vpcService: "ecs-telemetry" },
  ecrApi: { vpcService: "ecr.api", publicHost: "api.ecr" },
  ecrDkr: { vpcService: "ecr.dkr" },
  s3: { vpcService: "s3", publicHost: "s3" },
  logs: { vpcService: "logs", publicHost: "logs" },
  sts: { vpcService: "sts", publicHost: "sts", sdk: "STS" },
  kms: { vpcService: "kms", publicHost: "kms" },
  iam: { vpcService: "iam", sdk: "IAM" },
};

/** The configured endpoints, in the table's order. */
export function configuredEndpoints(endpoints: EndpointsConfig | undefined): [EndpointKey, string][] {
  if (endpoints === undefined) return [];
  return (Object.keys(ENDPOINT_USES) as EndpointKey[]).flatMap((key) => {
    const url = endpoints[key];
    return url === undefined ? [] : [[key, url] as [EndpointKey, string]];
  });
}

/** The endpoints of this agent's own SDK clients (the environment still wins over them, clients.ts). */
export function sdkEndpoints(endpoints: EndpointsConfig | undefined): Partial<Record<SdkService, string>> {
  const out: Partial<Record<SdkService, string>> = {};
  for (const [key, url] of configuredEndpoints(endpoints)) {
    const sdk = ENDPOINT_USES[key].sdk;
    if (sdk !== undefined) out[sdk] = url;
  }
  return out;
}

/**
 * The endpoint the environment sets for a service, as the SDK reads it (field notes §10.11):
 * AWS_ENDPOINT_URL_<SERVICE> beats AWS_ENDPOINT_URL; an empty variable is unset. Both beat the config's
 * `endpoints:`, as the environment beats the file everywhere else.
 */
export function endpointFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  envId: string | undefined,
): string | undefined {
  if (envId === undefined) return undefined;
  const set = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : value.trim();
  return set(env[`AWS_ENDPOINT_URL_${envId}`]) ?? set(env.AWS_ENDPOINT_URL);
}
