import { describe, expect, it } from "vitest";
import { desiredEcsConfig } from "../../src/ecsconfig/desired.ts";
import { validateEcsConfigValues } from "../../src/ecsconfig/validate.ts";

const problemKeys = (values: Record<string, string>) => validateEcsConfigValues(values).map(({ key }) => key);

describe("validateEcsConfigValues", () => {
  it("accepts what desiredEcsConfig produces", () => {
    const desired = desiredEcsConfig({
      cluster: "prod-eu_1",
      region: "eu-west-1",
      logLevel: "debug",
      instanceTags: { team: "payments" },
      instanceAttributes: { rack: "r1" },
      enableGpu: true,
      reservedMemoryMiB: 256,
    });
    expect(validateEcsConfigValues(desired)).toEqual([]);
  });

  it("rejects invalid JSON tags and names the key", () => {
    const problems = validateEcsConfigValues({ ECS_CONTAINER_INSTANCE_TAGS: "{team: payments}" });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe("ECS_CONTAINER_INSTANCE_TAGS");
    expect(problems[0]?.message).toMatch(/^ECS_CONTAINER_INSTANCE_TAGS must be a JSON object/);
  });

  it("rejects tags that are not string to string or exceed the ECS limits", () => {
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: '{"n":1}' })).toEqual(["ECS_CONTAINER_INSTANCE_TAGS"]);
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: '["a"]' })).toEqual(["ECS_CONTAINER_INSTANCE_TAGS"]);
    const longKey = JSON.stringify({ ["k".repeat(129)]: "v" });
    const longValue = JSON.stringify({ k: "v".repeat(257) });
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: longKey })).toHaveLength(1);
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: longValue })).toHaveLength(1);
    const atLimits = JSON.stringify({ ["k".repeat(128)]: "v".repeat(256) });
    expect(problemKeys({ ECS_CONTAINER_INSTANCE_TAGS: atLimits })).toEqual([]);
  });

  it("never echoes the value of a secret key, however it is broken", () => {
    const secret = "dXNlcjpzM2NyM3QtcmVnaXN0cnktcGFzc3dvcmQ";
    const problems = [
      ...validateEcsConfigValues(new Map([["ECS_ENGINE_AUTH_DATA", `{"auth":"${secret}"`]])),
      ...validateEcsConfigValues(new Map([["ECS_ENGINE_AUTH_DATA", `{"auth":"${secret}"}\nX=1`]])),
    ];
    expect(problems.map(({ key }) => key)).toEqual(["ECS_ENGINE_AUTH_DATA", "ECS_ENGINE_AUTH_DATA"]);
    expect(JSON.stringify(problems)).not.toContain(secret.slice(0, 8));
  });

  it("collects every problem instead of stopping at the first", () => {
    const keys = problemKeys({
      ECS_CLUSTER: "prod cluster",
      ECS_INSTANCE_ATTRIBUTES: "rack=r1",
      ECS_RESERVED_PORTS: "[22, 70000]",
      ECS_ENABLE_TASK_IAM_ROLE: "yes",
      ECS_EXTERNAL: "on",
      ECS_LOGLEVEL: "verbose",
      ECS_IMAGE_PULL_BEHAVIOR: "never",
      ECS_CONTAINER_STOP_TIMEOUT: "30",
      ECS_RESERVED_MEMORY: "256MiB",
      "#ECS_LOGLEVEL": "debug",
      lower_case: "x",
    });
    expect(keys).toEqual([
      "ECS_CLUSTER",
      "ECS_INSTANCE_ATTRIBUTES",
      "ECS_RESERVED_PORTS",
      "ECS_ENABLE_TASK_IAM_ROLE",
      "ECS_EXTERNAL",
      "ECS_LOGLEVEL",
      "ECS_IMAGE_PULL_BEHAVIOR",
      "ECS_CONTAINER_STOP_TIMEOUT",
      "ECS_RESERVED_MEMORY",
      "#ECS_LOGLEVEL",
      "lower_case",
    ]);
  });

  it("accepts every spelling of a boolean that Go's ParseBool accepts", () => {
    for (const value of ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]) {
      expect(problemKeys({ ECS_ENABLE_GPU_SUPPORT: value, ECS_EXTERNAL: value })).toEqual([]);
    }
    expect(problemKeys({ ECS_ENABLE_GPU_SUPPORT: "tRuE" })).toEqual(["ECS_ENABLE_GPU_SUPPORT"]);
  });

  it("accepts Go durations and rejects other spellings", () => {
    for (const value of ["30s", "2m", "1h30m", "1.5s", "500ms", "0"]) {
      expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual([]);
    }
    for (const value of ["30", "s", "2 m", "1d", ""]) {
      expect(problemKeys({ ECS_CONTAINER_STOP_TIMEOUT: value })).toEqual(["ECS_CONTAINER_STOP_TIMEOUT"]);
    }
  });

  it("rejects a line break in any value, which would inject another key", () => {
    expect(problemKeys({ HTTP_PROXY: "http://p:3128\nECS_CLUSTER=evil" })).toEqual(["HTTP_PROXY"]);
  });

  it("limits cluster names to 1-255 letters, digits, hyphens and underscores", () => {
    expect(problemKeys({ ECS_CLUSTER: "" })).toEqual(["ECS_CLUSTER"]);
    expect(problemKeys({ ECS_CLUSTER: "a".repeat(255) })).toEqual([]);
    expect(problemKeys({ ECS_CLUSTER: "a".repeat(256) })).toEqual(["ECS_CLUSTER"]);
  });
});
