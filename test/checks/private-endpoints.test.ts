// Preflight with `endpoints:` in the config: each configured endpoint is resolved and connected to, and a failing
// one is named with its key, its host and the error, with what to check for a VPC interface endpoint.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPortUrl, HostFixture } from "./host-fixture.ts";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
  // The fixture points every service at its loopback server through AWS_ENDPOINT_URL, which would win over the
  // config: point the services the tests leave alone at it one by one instead.
  const aws = host.env.AWS_ENDPOINT_URL as string;
  delete host.env.AWS_ENDPOINT_URL;
  for (const id of ["SSM", "EC2MESSAGES", "SSMMESSAGES", "ECS", "ECR", "S3"])
    host.env[`AWS_ENDPOINT_URL_${id}`] = aws;
});
afterEach(() => host.stop());

describe("the endpoints check with private endpoints configured", () => {
  it("names an unreachable configured endpoint: service, config key, host and error, with a remediation", async () => {
    const closed = (await closedPortUrl()).replace("http://", "https://");
    delete host.env.AWS_ENDPOINT_URL_EC2MESSAGES;
    await host.configure(`endpoints:\n  ec2messages: ${closed}\n`);
    const result = (await host.check()).result("endpoints");
    expect(result.status).toBe("failed");
    expect(result.summary).toMatch(
      /^unreachable: ec2messages at endpoints\.ec2messages \(https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED, nothing listens there\)$/,
    );
    expect(result.summary).not.toContain("\n");
    expect(result.remediation).toMatch(
      /^for endpoints\.ec2messages: check that this host resolves and reaches https:\/\/127\.0\.0\.1:\d+ \(on-premises DNS forwarding to a Route 53 Resolver inbound endpoint/,
    );
  });

  it("names a configured endpoint whose name does not resolve", async () => {
    await host.configure(
      "endpoints:\n  ecsAgent: https://ecs-a.vpce.invalid\n  logs: https://logs.vpce.invalid:8443\n",
    );
    const result = (await host.check()).result("endpoints");
    expect(result.status).toBe("failed");
    expect(result.summary).toBe(
      "unreachable: ecsAgent at endpoints.ecsAgent (https://ecs-a.vpce.invalid: ENOTFOUND, the name does not resolve), " +
        "logs at endpoints.logs (https://logs.vpce.invalid:8443: ENOTFOUND, the name does not resolve)",
    );
    expect(result.remediation).toMatch(/^for endpoints\.ecsAgent, endpoints\.logs: /);
  });

  it("fails, not warns, when a configured endpoint is down even with a proxy in the environment", async () => {
    await host.configure("endpoints:\n  sts: https://sts.vpce.invalid\n");
    host.env.HTTPS_PROXY = "http://proxy.internal:3128";
    host.env.NO_PROXY = "169.254.169.254,169.254.170.2,127.0.0.1";
    const result = (await host.check()).result("endpoints");
    expect(result.status).toBe("failed");
    expect(result.summary).toMatch(
      /^unreachable: sts at endpoints\.sts \(https:\/\/sts\.vpce\.invalid: ENOTFOUND/,
    );
  });

  it("probes a configured endpoint instead of the public one (passing over TLS: test/cli/private-endpoints-sdk)", async () => {
    delete host.env.AWS_ENDPOINT_URL_SSM;
    const closed = (await closedPortUrl()).replace("http://", "https://");
    await host.configure(`endpoints:\n  ssm: ${closed}\n`);
    const failing = (await host.check()).result("endpoints");
    expect(failing.summary).toMatch(/^unreachable: ssm at endpoints\.ssm /);
    expect(failing.summary).not.toMatch(/ssm\.eu-west-1\.amazonaws\.com/);
  });
});
