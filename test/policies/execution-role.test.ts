import { describe, expect, it } from "vitest";
import { asList, EXECUTION_ROLE_POLICY, executionRolePolicies } from "../../src/policies/index.ts";
import { expectGoldenJson } from "../support/golden.ts";
import { config, ctx } from "./fixtures.ts";

const SECRET = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:registry/docker-hub-AbCdEf";
const everyFeature = config({
  executionRole: {
    registryCredentialSecrets: [SECRET, SECRET],
    taskSecrets: [
      "arn:aws:ssm:eu-central-1:111122223333:parameter/app/db-url",
      "arn:aws:secretsmanager:eu-central-1:111122223333:secret:app/db-password-123456",
    ],
    kmsKeys: ["arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
    environmentFiles: [
      "arn:aws:s3:::app-config-bucket/prod/app.env",
      "arn:aws:s3:::app-config-bucket/prod/extra.env",
    ],
    ecrVpcEndpoints: ["vpce-0123456789abcdef0"],
    ecrVpcs: ["vpc-0a1b2c3d4e5f60718"],
  },
}).executionRole;

describe("executionRolePolicies", () => {
  it("attaches AmazonECSTaskExecutionRolePolicy and no inline policy when no feature is configured", () => {
    const policies = executionRolePolicies(config().executionRole, ctx);
    expect(policies.inline).toEqual({});
    expectGoldenJson("policies/execution-role-default.json", policies);
  });

  it("writes one inline policy per configured feature", () => {
    const policies = executionRolePolicies(everyFeature, ctx);
    expect(Object.keys(policies.inline)).toEqual(Object.values(EXECUTION_ROLE_POLICY));
    expectGoldenJson("policies/execution-role-every-feature.json", policies);
  });

  it("lists each ARN once", () => {
    const registry = executionRolePolicies(everyFeature, ctx).inline[
      EXECUTION_ROLE_POLICY.registryCredentials
    ];
    expect(registry?.Statement[0]?.Resource).toEqual([SECRET]);
  });

  it("reads an environment file's bucket location on the bucket derived from the object ARN", () => {
    const files = executionRolePolicies(everyFeature, ctx).inline[EXECUTION_ROLE_POLICY.environmentFiles];
    const locate = files?.Statement.find((s) => asList(s.Action).includes("s3:GetBucketLocation"));
    expect(locate?.Resource).toEqual(["arn:aws:s3:::app-config-bucket"]);
  });

  it("writes no task-secrets policy for KMS keys alone", () => {
    const keysOnly = config({ executionRole: { kmsKeys: everyFeature.kmsKeys } }).executionRole;
    expect(executionRolePolicies(keysOnly, ctx).inline).toEqual({});
  });
});

describe("the ECR VPC endpoint policy", () => {
  // Built inside each test, so a builder that throws fails that test rather than the whole file.
  const vpcPolicy = () => {
    const policy = executionRolePolicies(everyFeature, ctx).inline[EXECUTION_ROLE_POLICY.ecrVpcEndpoints];
    const [allow, ...denies] = policy?.Statement ?? [];
    return { allow, denies };
  };

  it("conditions the pull actions on the exact global keys aws:sourceVpce and aws:sourceVpc", () => {
    const { allow } = vpcPolicy();
    expect(allow?.Condition).toEqual({
      StringEquals: {
        "aws:sourceVpce": ["vpce-0123456789abcdef0"],
        "aws:sourceVpc": ["vpc-0a1b2c3d4e5f60718"],
      },
    });
  });

  it("denies pulls from anywhere else, one key per Deny, because the managed policy allows them unconditionally", () => {
    const { allow, denies } = vpcPolicy();
    expect(denies.map((s) => [s.Effect, s.Condition])).toEqual([
      ["Deny", { StringNotEquals: { "aws:sourceVpce": ["vpce-0123456789abcdef0"] } }],
      ["Deny", { StringNotEquals: { "aws:sourceVpc": ["vpc-0a1b2c3d4e5f60718"] } }],
    ]);
    for (const deny of denies) expect(deny.Action).toEqual(allow?.Action);
  });

  it("uses only aws:sourceVpce when no VPC ids are given", () => {
    const endpointsOnly = config({
      executionRole: { ecrVpcEndpoints: ["vpce-0123456789abcdef0"] },
    }).executionRole;
    const doc = executionRolePolicies(endpointsOnly, ctx).inline[EXECUTION_ROLE_POLICY.ecrVpcEndpoints];
    expect(JSON.stringify(doc)).not.toContain('aws:sourceVpc"');
    expect(doc?.Statement).toHaveLength(2);
  });

  it("uses only aws:sourceVpc when no endpoint ids are given", () => {
    const vpcsOnly = config({ executionRole: { ecrVpcs: ["vpc-0a1b2c3d4e5f60718"] } }).executionRole;
    const doc = executionRolePolicies(vpcsOnly, ctx).inline[EXECUTION_ROLE_POLICY.ecrVpcEndpoints];
    expect(doc?.Statement.map((s) => [s.Sid, s.Effect, s.Condition])).toEqual([
      [
        "AllowEcrPullThroughVpcEndpoints",
        "Allow",
        { StringEquals: { "aws:sourceVpc": ["vpc-0a1b2c3d4e5f60718"] } },
      ],
      ["DenyEcrPullOutsideVpcs", "Deny", { StringNotEquals: { "aws:sourceVpc": ["vpc-0a1b2c3d4e5f60718"] } }],
    ]);
  });
});
