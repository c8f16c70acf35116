import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireRegion } from "../../src/app/settings.ts";
import { loadConfig } from "../../src/config/load.ts";
import { UsageError } from "../../src/errors.ts";

let dir: string;
let awsConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "region-"));
  awsConfig = join(dir, "config");
  await writeFile(awsConfig, "[default]\nregion = eu-north-1\n[profile ops]\nregion = ap-south-1\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = (env: Record<string, string | undefined>, flags: { region?: string; profile?: string } = {}) =>
  loadConfig({ flags, env, readFile: () => undefined, defaultPath: join(dir, "absent.yaml") });

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a UsageError");
}

describe("requireRegion", () => {
  it("takes the profile's region from the AWS config file when nothing else names one", () => {
    const env = { AWS_CONFIG_FILE: awsConfig };
    expect(requireRegion(config(env), env)).toBe("eu-north-1");
    const ops = { ...env, AWS_PROFILE: "ops" };
    expect(requireRegion(config(ops), ops)).toBe("ap-south-1");
    // --profile beats AWS_PROFILE.
    expect(requireRegion(config(ops, { profile: "default" }), ops)).toBe("eu-north-1");
  });

  it("ranks flags, ECS_ANYWHERE_REGION and AWS_REGION before the profile", () => {
    const env = { AWS_CONFIG_FILE: awsConfig, AWS_REGION: "us-east-2" };
    expect(requireRegion(config(env), env)).toBe("us-east-2");
    expect(requireRegion(config(env, { region: "us-west-2" }), env)).toBe("us-west-2");
  });

  it("uses a later source (an activation file's region) only after the profile", () => {
    const none = { AWS_CONFIG_FILE: join(dir, "missing") };
    const more = [{ label: "--activation-file", region: "ca-central-1" }];
    expect(requireRegion(config(none), none, more)).toBe("ca-central-1");
    const env = { AWS_CONFIG_FILE: awsConfig };
    expect(requireRegion(config(env), env, more)).toBe("eu-north-1");
  });

  it("when unset, lists every place it looked, and the fix separately", () => {
    const env = { AWS_CONFIG_FILE: join(dir, "missing"), AWS_PROFILE: "ops" };
    const error = usageError(() =>
      requireRegion(config(env), env, [{ label: "--activation-file", region: undefined }]),
    );
    expect(error.message).toBe(
      `region: not set; looked in --region, ECS_ANYWHERE_REGION, region: in the config file, AWS_REGION, AWS_DEFAULT_REGION, the region of profile ops in ${join(dir, "missing")}, --activation-file`,
    );
    expect(error.remediation).toContain("--region");
    expect(error.remediation).toContain("[profile ops]");
  });

  it("refuses a region no partition has, with 'did you mean'", () => {
    const env = { AWS_CONFIG_FILE: join(dir, "missing") };
    const error = usageError(() => requireRegion(config(env, { region: "eu-wset-1" }), env));
    expect(error.message).toBe(
      "region: eu-wset-1 is not a region of the aws, aws-cn or aws-us-gov partitions; did you mean eu-west-1?",
    );
    expect(error.remediation).toContain("--region");
    expect(requireRegion(config(env, { region: "cn-northwest-1" }), env)).toBe("cn-northwest-1");
    expect(requireRegion(config(env, { region: "us-gov-east-1" }), env)).toBe("us-gov-east-1");
  });
});
