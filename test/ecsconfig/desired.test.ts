import { describe, expect, it } from "vitest";
import { desiredEcsConfig } from "../../src/ecsconfig/desired.ts";

describe("desiredEcsConfig", () => {
  it("always enables the awslogs execution-role override the install script never writes", () => {
    expect(desiredEcsConfig({ cluster: "prod" })).toEqual({
      ECS_CLUSTER: "prod",
      ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "true",
    });
  });

  it("renders every option in a stable order, maps as compact JSON with sorted keys", () => {
    const desired = desiredEcsConfig({
      cluster: "prod",
      region: "eu-west-1",
      logLevel: "warn",
      instanceTags: { team: "payments", env: "prod" },
      instanceAttributes: { rack: "r1" },
      enableGpu: false,
      reservedMemoryMiB: 256,
      extra: { ECS_IMAGE_PULL_BEHAVIOR: "once", ECS_CLUSTER: "ignored" },
    });
    expect(Object.entries(desired)).toEqual([
      ["ECS_CLUSTER", "prod"],
      ["AWS_DEFAULT_REGION", "eu-west-1"],
      ["ECS_LOGLEVEL", "warn"],
      ["ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE", "true"],
      ["ECS_ENABLE_GPU_SUPPORT", "false"],
      ["ECS_RESERVED_MEMORY", "256"],
      ["ECS_INSTANCE_ATTRIBUTES", '{"rack":"r1"}'],
      ["ECS_CONTAINER_INSTANCE_TAGS", '{"env":"prod","team":"payments"}'],
      ["ECS_IMAGE_PULL_BEHAVIOR", "once"],
    ]);
  });

  it("lets extra keys turn the awslogs override off, but not replace typed options", () => {
    const desired = desiredEcsConfig({
      cluster: "prod",
      extra: { ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "false", ECS_CLUSTER: "other" },
    });
    expect(desired).toEqual({ ECS_CLUSTER: "prod", ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "false" });
  });

  it("writes extra keys after the typed ones, sorted by name whatever order they were given in", () => {
    const desired = desiredEcsConfig({
      cluster: "prod",
      extra: { ECS_Z_LAST: "3", ECS_A_FIRST: "1", ECS_M_MIDDLE: "2" },
    });
    expect(Object.keys(desired)).toEqual([
      "ECS_CLUSTER",
      "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE",
      "ECS_A_FIRST",
      "ECS_M_MIDDLE",
      "ECS_Z_LAST",
    ]);
  });

  it("leaves out empty tag and attribute maps, and writes GPU support when it is on", () => {
    expect(
      desiredEcsConfig({ cluster: "prod", instanceTags: {}, instanceAttributes: {}, enableGpu: true }),
    ).toEqual({
      ECS_CLUSTER: "prod",
      ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE: "true",
      ECS_ENABLE_GPU_SUPPORT: "true",
    });
  });

  it("writes a reserved memory of 0", () => {
    expect(desiredEcsConfig({ cluster: "prod", reservedMemoryMiB: 0 }).ECS_RESERVED_MEMORY).toBe("0");
  });
});
