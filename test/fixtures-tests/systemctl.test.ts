import { rmSync, statSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, REGION, type Scenario, scenario } from "./support.ts";

let s: Scenario;

beforeEach(async () => {
  s = await scenario();
});
afterEach(() => s.stop());

const systemctl = (...args: string[]) => s.host.run("systemctl", args);

/** A host where the SSM agent registered (as the install script leaves it) and ecs-init is installed. */
async function registeredHost(cluster = CLUSTER): Promise<string> {
  s.host.installUnit("ecs");
  const r = await s.host.run("amazon-ssm-agent", [
    "-register",
    "-code",
    s.activationCode,
    "-id",
    s.activationId,
    "-region",
    REGION,
  ]);
  expect(r.code).toBe(0);
  s.host.writeFile("/etc/ecs/ecs.config", `ECS_CLUSTER=${cluster}\n`);
  s.host.writeFile("/var/lib/ecs/ecs.config", `AWS_DEFAULT_REGION=${REGION}\nECS_EXTERNAL=true\n`);
  return JSON.parse(s.host.readFile("/var/lib/amazon/ssm/registration")).ManagedInstanceID;
}

describe("unit state", () => {
  it("is-active: 0 active, 3 inactive; --quiet prints nothing; with or without .service", async () => {
    s.host.installUnit("docker");
    expect(await systemctl("is-active", "docker")).toMatchObject({ code: 3, stdout: "inactive\n" });
    expect(await systemctl("start", "docker.service")).toMatchObject({ code: 0 });
    expect(await systemctl("is-active", "docker")).toMatchObject({ code: 0, stdout: "active\n" });
    expect(await systemctl("is-active", "--quiet", "docker.service")).toMatchObject({ code: 0, stdout: "" });
    expect(await systemctl("--no-pager", "stop", "docker")).toMatchObject({ code: 0 });
    expect(await systemctl("is-active", "-q", "docker")).toMatchObject({ code: 3, stdout: "" });
    expect(s.host.unitState("docker.service")).toEqual({ active: false, enabled: false });
  });

  it("is-enabled: 0 enabled, 1 disabled or unknown; enable/disable need a unit file", async () => {
    const unknown = await systemctl("is-enabled", "ecs");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Failed to get unit file state for ecs.service");
    expect((await systemctl("enable", "ecs")).code).toBe(1);
    s.host.installUnit("ecs");
    expect(await systemctl("is-enabled", "ecs")).toMatchObject({ code: 1, stdout: "disabled\n" });
    expect((await systemctl("enable", "ecs.service")).code).toBe(0);
    expect(await systemctl("is-enabled", "ecs")).toMatchObject({ code: 0, stdout: "enabled\n" });
    expect((await systemctl("disable", "--quiet", "ecs")).code).toBe(0);
    expect(s.host.unitState("ecs")).toEqual({ active: false, enabled: false });
  });

  it("start/stop of a unit that is not installed: exit 5 like systemd", async () => {
    expect(await systemctl("start", "nope")).toMatchObject({
      code: 5,
      stderr: "Failed to start nope.service: Unit nope.service not found.\n",
    });
    expect((await systemctl("stop", "nope")).code).toBe(5);
    expect((await systemctl("restart", "nope")).code).toBe(5);
  });

  it("logs every call; daemon-reload is a no-op; unknown verbs and options fail", async () => {
    expect((await systemctl("daemon-reload")).code).toBe(0);
    expect(await systemctl("frobnicate", "ecs")).toMatchObject({
      code: 1,
      stderr: "Unknown command verb frobnicate.\n",
    });
    expect((await systemctl("--bogus", "start", "ecs")).code).toBe(1);
    expect((await systemctl("is-active", "--quiet", "ecs")).code).toBe(3);
    expect(s.host.systemctlCalls()).toEqual([
      "daemon-reload",
      "frobnicate ecs",
      "--bogus start ecs",
      "is-active --quiet ecs",
    ]);
  });

  it("refuses to act without FAKE_ROOT", async () => {
    const r = await s.host.run("systemctl", ["start", "ecs"], { env: { FAKE_ROOT: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAKE_ROOT is not set");
  });
});

describe("start ecs plays ecs-init + the ECS agent", () => {
  it("registers a container instance for the host's mi- id and serves it on the introspection state", async () => {
    const mi = await registeredHost();
    expect((await systemctl("start", "ecs")).code).toBe(0);
    const [arn] = Object.keys(s.emulator.state.containerInstances);
    expect(s.emulator.state.containerInstances[arn as string]?.ec2InstanceId).toBe(mi);
    expect(s.host.introspection()).toEqual({
      Cluster: CLUSTER,
      ContainerInstanceArn: arn,
      Version: "Amazon ECS Agent - v1.89.0 (fake0001)",
    });
    expect(JSON.parse(s.host.readFile("/var/lib/ecs/data/agent.db"))).toEqual({
      cluster: CLUSTER,
      containerInstanceArn: arn,
    });
    expect(statSync(s.host.path("/var/lib/ecs/data/agent.db")).mode & 0o777).toBe(0o600);
    expect(s.host.unitState("ecs")).toEqual({ active: true, enabled: false });

    const metadata = await (await fetch(`${s.host.introspectionUrl}/v1/metadata`)).json();
    expect(metadata).toEqual(s.host.introspection());

    expect((await systemctl("stop", "ecs")).code).toBe(0);
    expect(s.host.introspection()).toBeUndefined();
    await expect(fetch(`${s.host.introspectionUrl}/v1/metadata`)).rejects.toThrow();
  });

  it("reads ECS_CLUSTER with ecs-init's rules: /etc/ecs wins over /var/lib/ecs, last duplicate wins, no comments", async () => {
    await registeredHost();
    s.host.writeFile("/var/lib/ecs/ecs.config", `ECS_CLUSTER=other\nAWS_DEFAULT_REGION=${REGION}\n`);
    s.host.writeFile(
      "/etc/ecs/ecs.config",
      `ECS_CLUSTER=first\n  ECS_CLUSTER=${CLUSTER}  \n#ECS_CLUSTER=commented\n`,
    );
    expect((await systemctl("start", "ecs")).code).toBe(0);
    expect(s.host.introspection()?.Cluster).toBe(CLUSTER);
  });

  it("exits 5 (unit failed, no introspection) when agent.db records another cluster", async () => {
    await registeredHost();
    s.host.writeFile(
      "/var/lib/ecs/data/agent.db",
      JSON.stringify({
        cluster: "old",
        containerInstanceArn: "arn:aws:ecs:eu-west-1:123456789012:container-instance/old/x",
      }),
      0o600,
    );
    s.host.setIntrospection({ Cluster: "old", ContainerInstanceArn: "x", Version: "v" });
    const r = await systemctl("start", "ecs");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Data mismatch; saved cluster 'old' does not match configured cluster 'edge'");
    expect(s.host.unitState("ecs")).toEqual({ active: false, enabled: false, failed: 5 });
    expect(s.host.introspection()).toBeUndefined();
    expect(s.host.readFile("/var/log/ecs/ecs-agent.log")).toContain("Data mismatch; saved cluster");
    expect(await systemctl("is-active", "ecs")).toMatchObject({ code: 3, stdout: "failed\n" });
    expect(await systemctl("show", "ecs", "-p", "ExecMainStatus", "--value")).toMatchObject({
      stdout: "5\n",
    });
    expect(Object.keys(s.emulator.state.containerInstances)).toEqual([]);

    // the documented way out (field notes §2): delete agent.db, start again
    rmSync(s.host.path("/var/lib/ecs/data/agent.db"));
    expect((await systemctl("restart", "ecs")).code).toBe(0);
    expect(s.host.unitState("ecs")).toEqual({ active: true, enabled: false });
  });

  it("reuses the ARN saved in agent.db for the same cluster (no registration call)", async () => {
    await registeredHost();
    const saved = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/saved";
    s.host.writeFile(
      "/var/lib/ecs/data/agent.db",
      JSON.stringify({ cluster: CLUSTER, containerInstanceArn: saved }),
    );
    expect((await systemctl("start", "ecs")).code).toBe(0);
    expect(s.host.introspection()?.ContainerInstanceArn).toBe(saved);
    expect(Object.keys(s.emulator.state.containerInstances)).toEqual([]);
  });

  it("start on an active unit is a no-op (config changes need a restart)", async () => {
    await registeredHost();
    expect((await systemctl("start", "ecs")).code).toBe(0);
    s.host.writeFile("/etc/ecs/ecs.config", "ECS_CLUSTER=elsewhere\n");
    expect((await systemctl("start", "ecs")).code).toBe(0);
    expect(s.host.introspection()?.Cluster).toBe(CLUSTER);
    expect((await systemctl("restart", "ecs")).code).toBe(1);
    expect(s.host.unitState("ecs").failed).toBe(5);
  });

  it("fails (exit code 1) without an SSM registration or when the cluster does not exist", async () => {
    s.host.installUnit("ecs");
    const noSsm = await systemctl("start", "ecs");
    expect(noSsm.code).toBe(1);
    expect(noSsm.stderr).toContain("/var/lib/amazon/ssm/registration is missing");
    expect(s.host.unitState("ecs").failed).toBe(1);

    await registeredHost("missing-cluster");
    const noCluster = await systemctl("start", "ecs");
    expect(noCluster.code).toBe(1);
    expect(noCluster.stderr).toContain("ClusterNotFoundException");
  });

  it("FAKE_ECS_NO_REGISTER=1: the agent runs without a container instance ARN", async () => {
    await registeredHost();
    const r = await s.host.run("systemctl", ["start", "ecs"], { env: { FAKE_ECS_NO_REGISTER: "1" } });
    expect(r.code).toBe(0);
    expect(s.host.introspection()).toMatchObject({ Cluster: CLUSTER, ContainerInstanceArn: null });
    expect(s.host.exists("/var/lib/ecs/data/agent.db")).toBe(false);
    expect(Object.keys(s.emulator.state.containerInstances)).toEqual([]);
  });
});

describe("the SSM agent units", () => {
  it("starting a registered SSM agent writes its runtime identity and the role credentials", async () => {
    await registeredHost();
    s.host.installUnit("snap.amazon-ssm-agent.amazon-ssm-agent");
    expect((await systemctl("enable", "--now", "snap.amazon-ssm-agent.amazon-ssm-agent.service")).code).toBe(
      0,
    );
    expect(s.host.unitState("snap.amazon-ssm-agent.amazon-ssm-agent")).toEqual({
      active: true,
      enabled: true,
    });
    const identity = JSON.parse(s.host.readFile("/var/lib/amazon/ssm/runtimeconfig/identity_config.json"));
    expect(Date.parse(identity.CredentialsExpiresAt)).toBeGreaterThan(
      Date.parse(identity.CredentialsRetrievedAt),
    );
    expect(s.host.readFile("/root/.aws/credentials")).toContain("[default]");
  });
});
