import { describe, expect, it } from "vitest";
import {
  agentVersionOf,
  defaultEcsBase,
  defaultSsmBase,
  packageArch,
  packageLocation,
  sameVersion,
  VERSION_PATTERN,
} from "../../../src/components/agent-packages/sources.ts";

const X86 = packageArch("x86_64");
const ARM = packageArch("aarch64");

describe("package sources (field notes §10.12, §10.13)", () => {
  it("builds the bucket URLs the install script downloads from", () => {
    if (!X86 || !ARM) throw new Error("both architectures are supported");
    expect(packageLocation("ecs", defaultEcsBase("eu-west-1"), "latest", "deb", X86)).toEqual({
      url: "https://s3.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb",
      signatureUrl:
        "https://s3.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb.asc",
      fileName: "amazon-ecs-init-latest.amd64.deb",
    });
    expect(packageLocation("ecs", defaultEcsBase("us-east-1"), "1.90.0-1", "rpm", ARM).url).toBe(
      "https://s3.us-east-1.amazonaws.com/amazon-ecs-agent-us-east-1/amazon-ecs-init-1.90.0-1.aarch64.rpm",
    );
    expect(packageLocation("ssm", defaultSsmBase("eu-west-1"), "latest", "deb", ARM)).toEqual({
      url: "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/debian_arm64/amazon-ssm-agent.deb",
      signatureUrl:
        "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/debian_arm64/amazon-ssm-agent.deb.sig",
      fileName: "amazon-ssm-agent-latest.arm64.deb",
    });
    expect(packageLocation("ssm", defaultSsmBase("eu-west-1"), "latest", "rpm", X86).url).toBe(
      "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/linux_amd64/amazon-ssm-agent.rpm",
    );
    expect(defaultEcsBase("cn-north-1")).toBe(
      "https://s3.cn-north-1.amazonaws.com.cn/amazon-ecs-agent-cn-north-1",
    );
    expect(packageLocation("ecs", "http://mirror/ecs///", "latest", "deb", X86).url).toBe(
      "http://mirror/ecs/amazon-ecs-init-latest.amd64.deb",
    );
    expect(packageArch("armv7l")).toBeUndefined();
  });

  it("compares versions the way an operator names them", () => {
    expect(sameVersion("1.90.0-1", "1.90.0-1")).toBe(true);
    expect(sameVersion("1.90.0-1", "1.90.0")).toBe(true);
    expect(sameVersion("1.90.0-1", "1.90")).toBe(false);
    expect(sameVersion("1.90.0-1", "latest")).toBe(false);
    expect(sameVersion(undefined, "1.90.0")).toBe(false);
    expect(agentVersionOf("Amazon ECS Agent - v1.90.0 (abcdef12)")).toBe("1.90.0");
    expect(agentVersionOf("unknown")).toBeUndefined();
    for (const good of ["latest", "1.90.0-1", "3.3.1100.0"]) expect(VERSION_PATTERN.test(good)).toBe(true);
    for (const bad of ["../x", "1 2", "", "v1.0", "1.0/../../x"])
      expect(VERSION_PATTERN.test(bad)).toBe(false);
  });
});
