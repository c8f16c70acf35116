// The network sections: the host's HTTP proxy and the endpoints of the AWS services it talks to (field notes §10).
import { NO_PROXY_ENTRY, proxyUrlProblem } from "../components/proxy/settings.ts";
import * as v from "./validate.ts";

// field notes §10.1-§10.7: one proxy for every consumer; a URL may carry credentials (a secret, masked everywhere).
const proxyUrl = v.string().transform((text) => {
  const trimmed = text.trim();
  const problem = proxyUrlProblem(trimmed);
  return problem === undefined ? trimmed : new v.Failure(problem);
});
export const proxySchema = v
  .strictObject({
    https: proxyUrl.optional(),
    http: proxyUrl.optional(),
    noProxy: v
      .array(
        v
          .string()
          .regex(NO_PROXY_ENTRY, "must be one host, domain, IP, CIDR or host:port (no commas or spaces)"),
      )
      .default([]),
    // The hosts of `endpoints:` join NO_PROXY (README "Private endpoints"); false keeps them behind the proxy.
    bypassEndpoints: v.boolean().default(true),
  })
  .refine(
    (proxy) => proxy.https !== undefined || proxy.http !== undefined,
    "needs https or http (either alone serves both)",
  );

// field notes §10.8-§10.11: one https endpoint per service the host or this agent talks to, for VPC interface
// endpoints (their private DNS names or endpoint-specific names) and FIPS endpoints. Only scheme, host and port
// are kept: the consumers (the SSM agent, ECS_BACKEND_HOST, the SDK) take a base endpoint, never a path.
const endpointUrl = v.string().transform((text) => {
  const trimmed = text.trim();
  if (!/^https:\/\/[^/]/i.test(trimmed) || !URL.canParse(trimmed)) {
    return new v.Failure(
      "must be an https:// URL such as https://ssm.eu-west-1.amazonaws.com (AWS endpoints, private ones included, are HTTPS only)",
    );
  }
  const url = new URL(trimmed);
  if (url.username !== "" || url.password !== "")
    return new v.Failure("must not hold a user name or password");
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "")
    return new v.Failure("must be scheme, host and port only (no path, query or fragment)");
  return url.origin;
});

/** The `endpoints:` keys, each an endpoint of one AWS service (README "Private endpoints"). */
export const ENDPOINT_KEYS = [
  "ssm",
  "ec2messages",
  "ssmmessages",
  "ecs",
  "ecsAgent",
  "ecsTelemetry",
  "ecrApi",
  "ecrDkr",
  "s3",
  "logs",
  "sts",
  "kms",
  "iam",
] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

export const endpointsSchema = v.strictObject(
  Object.fromEntries(ENDPOINT_KEYS.map((key) => [key, endpointUrl.optional()])) as Record<
    EndpointKey,
    ReturnType<typeof endpointUrl.optional>
  >,
);
