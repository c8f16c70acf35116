import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/util/redact.ts";
import { maskSecretsIn, SECRET_RULES, unmaskedFindings } from "../../src/util/secret-scan.ts";

const scan = (text: string, redactor = new Redactor()) => maskSecretsIn(text, redactor);

describe("the support bundle's secret scan", () => {
  it.each([
    [
      "url-userinfo",
      "HTTP_PROXY=http://user:pa55word@proxy:3128",
      "HTTP_PROXY=http://****@proxy:3128",
      "pa55word",
    ],
    [
      "url-userinfo",
      'Environment="HTTPS_PROXY=https://u@p:8080"',
      'Environment="HTTPS_PROXY=https://****@p:8080"',
      "u@",
    ],
    [
      "ecs-engine-auth-data",
      'ECS_ENGINE_AUTH_DATA={"r":{"username":"me","password":"hunter22"}}',
      "ECS_ENGINE_AUTH_DATA=****",
      "hunter22",
    ],
    [
      "credential-assignment",
      "aws_secret_access_key = abcd/EFGH+ijkl",
      "aws_secret_access_key = ****",
      "abcd",
    ],
    ["credential-assignment", '{"ActivationCode":"Zq7x/ACT1"}', '{"ActivationCode":"****"}', "Zq7x"],
    ["credential-assignment", "AWS_SESSION_TOKEN=FwoGZXIvYXdz", "AWS_SESSION_TOKEN=****", "FwoG"],
    [
      "activation-code-flag",
      "script --activation-code Zq7x/ACT1 --region r",
      "script --activation-code **** --region r",
      "Zq7x",
    ],
    [
      "activation-code-flag",
      "amazon-ssm-agent -register -code Zq7x/ACT1 -id x",
      "amazon-ssm-agent -register -code **** -id x",
      "Zq7x",
    ],
    ["authorization-header", "Authorization: AWS4-HMAC-SHA256 Credential=x", "Authorization: ****", "AWS4"],
    ["bearer-or-basic", "sent Bearer eyJhbGciOiJIUzI1", "sent Bearer ****", "eyJh"],
    ["aws-access-key-id", "key AKIAIOSFODNN7EXAMPLE used", "key AKIA**** used", "IOSFODNN7"],
    [
      "private-key-block",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKCA\n-----END RSA PRIVATE KEY-----",
      "-----BEGIN RSA PRIVATE KEY-----\n****\n-----END RSA PRIVATE KEY-----",
      "MIIEow",
    ],
  ])("%s: %s", (rule, input, masked, secret) => {
    const result = scan(input);
    expect(result.text).toBe(masked);
    expect(result.text).not.toContain(secret);
    expect(result.counts[rule]).toBeGreaterThan(0);
    // A second pass over masked text finds nothing: the command relies on that to know masking held.
    expect(unmaskedFindings(result.text, new Redactor())).toEqual([]);
  });

  it("masks what the redactor knows, in any shape, and counts each value", () => {
    const redactor = new Redactor();
    redactor.add("plain-secret-value");
    const result = scan("a plain-secret-value b plain-secret-value", redactor);
    expect(result).toEqual({ text: "a **** b ****", counts: { "known-value": 2 } });
  });

  it("leaves diagnostics alone: timestamps of credentials, token file paths, URLs without userinfo", () => {
    const text = [
      '"CredentialsExpiresAt": "2026-12-01T11:00:00Z"',
      "tokenFile: /etc/ecs-anywhere-agent/token",
      "NO_PROXY=169.254.169.254,169.254.170.2",
      "https://ecs.eu-west-1.amazonaws.com/",
      '"known-value": 3, "credential-assignment": 2',
    ].join("\n");
    expect(scan(text)).toEqual({ text, counts: {} });
  });

  it("names every rule a manifest can count", () => {
    expect(SECRET_RULES).toContain("known-value");
    expect(new Set(SECRET_RULES).size).toBe(SECRET_RULES.length);
  });
});
