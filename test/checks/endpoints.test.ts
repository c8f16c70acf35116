import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { displayUrl, endpointFor, hostEndpoints } from "../../src/checks/endpoints.ts";
import { closedPortUrl, HostFixture } from "./host-fixture.ts";

describe("endpoint resolution", () => {
  it("uses AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional AWS endpoint", () => {
    const env = { AWS_ENDPOINT_URL_SSM: "http://ssm.local:1", AWS_ENDPOINT_URL: "http://all.local:2" };
    expect(endpointFor(env, "ssm", "eu-west-1")).toBe("http://ssm.local:1");
    expect(endpointFor(env, "ecs", "eu-west-1")).toBe("http://all.local:2");
    expect(endpointFor({}, "ecs", "eu-west-1")).toBe("https://ecs.eu-west-1.amazonaws.com");
    expect(endpointFor({}, "ecr", "eu-west-1")).toBe("https://api.ecr.eu-west-1.amazonaws.com");
    expect(endpointFor({}, "ssmmessages", "cn-north-1")).toBe(
      "https://ssmmessages.cn-north-1.amazonaws.com.cn",
    );
  });

  it("covers every service a registered host talks to", () => {
    expect(hostEndpoints({}, "eu-west-1").map((e) => e.name)).toEqual([
      "ssm",
      "ec2messages",
      "ssmmessages",
      "ecs",
      "ecr",
      "s3",
    ]);
  });

  it("shows only scheme, host and port of a URL (a presigned query carries credentials)", () => {
    expect(displayUrl("https://bucket.s3.amazonaws.com/x.sh?X-Amz-Signature=abc&X-Amz-Credential=AKIA")).toBe(
      "https://bucket.s3.amazonaws.com",
    );
  });
});

describe("the endpoints check", () => {
  let host: HostFixture;
  beforeEach(async () => {
    host = await new HostFixture().start();
  });
  afterEach(() => host.stop());

  it("fails naming each endpoint that refuses connections", async () => {
    const closed = await closedPortUrl();
    host.env.AWS_ENDPOINT_URL_EC2MESSAGES = closed;
    host.installScriptUrl = `${closed}/ecs-anywhere-install-latest.sh?X-Amz-Signature=presigned`;
    const result = (await host.check()).result("endpoints");
    expect(result.status).toBe("failed");
    expect(result.summary).toMatch(
      /^unreachable: ec2messages \(http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\), install-script \(/,
    );
    expect(result.summary).not.toMatch(/ssm |ecs |Signature/);
    expect(result.remediation).toMatch(/^allow outbound HTTPS from this host to http:\/\/127\.0\.0\.1:\d+/);
  });

  it("warns instead of failing when a proxy is configured, since it connects directly", async () => {
    host.env.AWS_ENDPOINT_URL_ECS = await closedPortUrl();
    host.env.HTTPS_PROXY = "http://proxy.internal:3128";
    host.env.NO_PROXY = "169.254.169.254,169.254.170.2";
    const result = (await host.check()).result("endpoints");
    expect(result).toMatchObject({
      status: "warn",
      remediation: expect.stringMatching(/proxy lets this host reach/),
    });
  });

  it("does not probe the install script host when the operator supplies the script", async () => {
    host.installScriptUrl = await closedPortUrl();
    const run = await host.check({ installScript: "/srv/install.sh", installScriptSha256: "a".repeat(64) });
    expect(run.result("endpoints")).toMatchObject({
      status: "ok",
      summary: expect.not.stringContaining("install-script"),
    });
  });
});
