import { describe, expect, it } from "vitest";
import { toAwsCallError } from "../../../src/adapters/aws/errors.ts";

const call = { service: "ecs" as const, action: "DescribeClusters", resource: "cluster/edge" };

/** What the SDK rejects with when Node could not connect: Node's error, with the SDK's retry metadata. */
function nodeFailure(code: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${fields.hostname ?? ""}`), {
    code,
    $metadata: { attempts: 5, totalRetryDelay: 700 },
    $endpoint: "ecs.eu-west-1.amazonaws.com:443",
    ...fields,
  });
}

describe("toAwsCallError for failures that never reached AWS", () => {
  it("a DNS failure names the host and port, the attempts, and what to check", () => {
    const error = toAwsCallError(call, nodeFailure("ENOTFOUND", { hostname: "ecs.eu-west-1.amazonaws.com" }));
    expect(error.message).toBe(
      "ecs:DescribeClusters: could not reach ecs.eu-west-1.amazonaws.com:443: DNS lookup failed (no such host) (ENOTFOUND); gave up after 5 attempts",
    );
    expect(error.remediation).toMatch(/proxy settings .* AWS_ENDPOINT_URL/);
    expect(error.code).toBe("ENOTFOUND");
  });

  it("a temporary resolver failure (EAI_AGAIN) says so", () => {
    const error = toAwsCallError(call, nodeFailure("EAI_AGAIN", { hostname: "ecs.eu-west-1.amazonaws.com" }));
    expect(error.message).toContain("DNS lookup failed (temporary failure");
    expect(error.message).toContain("ecs.eu-west-1.amazonaws.com:443");
  });

  it("a certificate problem is a TLS failure, with the endpoint from the client", () => {
    const error = toAwsCallError(call, nodeFailure("SELF_SIGNED_CERT_IN_CHAIN", {}));
    expect(error.message).toBe(
      "ecs:DescribeClusters: could not reach ecs.eu-west-1.amazonaws.com:443: TLS handshake failed (SELF_SIGNED_CERT_IN_CHAIN); gave up after 5 attempts",
    );
    expect(error.remediation).toContain("NODE_EXTRA_CA_CERTS");
  });
});
