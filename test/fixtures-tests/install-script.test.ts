import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, REGION, type Scenario, scenario } from "./support.ts";

let s: Scenario;

beforeEach(async () => {
  s = await scenario();
});
afterEach(() => s.stop());

const ARN_LINE = /Container instance arn: "(arn:aws:ecs:eu-west-1:\d{12}:container-instance\/edge\/[^"]+)"/;

function withoutFlag(args: string[], flag: string): string[] {
  const i = args.indexOf(flag);
  return [...args.slice(0, i), ...args.slice(i + 2)];
}

describe("flags", () => {
  it("rejects an unknown flag with exit 1 and never echoes a value glued to it", async () => {
    const r = await s.host.runInstallScript([...s.installArgs, "--bogus"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("invalid option: [--bogus]");
    expect(r.stdout).toContain("Installation Failed");

    const glued = await s.host.runInstallScript([
      "--region",
      REGION,
      `--activation-code=${s.activationCode}`,
    ]);
    expect(glued.code).toBe(1);
    expect(glued.stdout).toContain("invalid option: [--activation-code]");
    expect(glued.stdout + glued.stderr).not.toContain(s.activationCode);
    // nothing was done
    expect(s.host.systemctlCalls()).toEqual([]);
    expect(s.host.exists("/etc/ecs/ecs.config")).toBe(false);
  });

  it("rejects a value starting with -- (an empty env var) with exit 1", async () => {
    const r = await s.host.runInstallScript(["--region", "--cluster", CLUSTER]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Option --region was passed an invalid value: --cluster");
    const code = await s.host.runInstallScript(["--region", REGION, "--activation-code", "--no-start"]);
    expect(code.code).toBe(1);
    expect(code.stdout).toContain("Option --activation-code was passed an invalid value (hidden");
  });

  it("requires --region, and the activation unless --skip-registration", async () => {
    const noRegion = await s.host.runInstallScript(withoutFlag(s.installArgs, "--region"));
    expect(noRegion.code).toBe(1);
    expect(noRegion.stdout).toContain("--region is required");
    const noCode = await s.host.runInstallScript(withoutFlag(s.installArgs, "--activation-code"));
    expect(noCode.code).toBe(1);
    expect(noCode.stdout).toContain("Both --activation-id and --activation-code are required");
    const valueless = await s.host.runInstallScript(["--region"]);
    expect(valueless.code).toBe(1);
    // --skip-registration needs an SSM agent that is already enabled
    const skip = await s.host.runInstallScript(["--region", REGION, "--skip-registration"]);
    expect(skip.code).toBe(1);
    expect(skip.stdout).toContain(
      "--skip-registration flag specified but the SSM agent service is not running",
    );
  });

  it("answers --help with the usage and exit 0", async () => {
    const r = await s.host.runInstallScript(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--activation-code CODE");
  });

  it("logs one line of flag names per run, never values", async () => {
    await s.host.runInstallScript(["--help"]);
    await s.host.runInstallScript([...s.installArgs, "--no-start", "--ecs-version", "1.2.3"]);
    expect(s.host.installScriptRuns()).toEqual([
      "--help",
      "--region --cluster --activation-id --activation-code --no-start --ecs-version",
    ]);
  });
});

describe("a full run", () => {
  it("registers an mi- instance and a container instance, and prints the container instance ARN", async () => {
    const r = await s.host.runInstallScript(s.installArgs);
    expect(r.code).toBe(0);
    // like the real systemctl, `enable` reports its symlinks on stderr
    expect(r.stderr).toContain("Created symlink /etc/systemd/system/multi-user.target.wants/ecs.service");
    expect(r.stdout).toContain("# Trying to install ssm agent");
    const arn = ARN_LINE.exec(r.stdout)?.[1];
    expect(arn).toBeDefined();

    const state = s.emulator.state;
    const [mi] = Object.keys(state.managedInstances);
    expect(mi).toMatch(/^mi-[0-9a-f]{17}$/);
    expect(Object.keys(state.containerInstances)).toEqual([arn]);
    expect(state.containerInstances[arn as string]?.ec2InstanceId).toBe(mi);

    expect(JSON.parse(s.host.readFile("/var/lib/amazon/ssm/registration"))).toEqual({
      ManagedInstanceID: mi,
      Region: REGION,
    });
    const key = JSON.parse(s.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey"));
    expect(key).toMatchObject({ instanceID: mi, region: REGION });
    expect(key.privateKey).toMatch(/^FAKE-PRIVATE-KEY-/);
    expect(statSync(s.host.path("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).mode & 0o777).toBe(0o600);

    expect(s.host.unitState("amazon-ssm-agent")).toEqual({ active: true, enabled: true });
    expect(s.host.unitState("ecs.service")).toEqual({ active: true, enabled: true });
    expect(s.host.unitState("docker")).toEqual({ active: true, enabled: true });
    expect(s.host.exists("/usr/bin/docker")).toBe(true);
    expect(s.host.exists("/usr/libexec/amazon-ecs-init")).toBe(true);
    expect(s.host.exists("/var/lib/ecs/deps/execute-command/certs/tls-ca-bundle.pem")).toBe(true);
    expect(s.host.introspection()).toMatchObject({ Cluster: CLUSTER, ContainerInstanceArn: arn });
    expect(s.host.systemctlCalls()).toContain("start ecs");
    expect(s.host.ssmAgentCalls()).toEqual([`-register -code *** -id ${s.activationId} -region ${REGION}`]);
    // the code never shows up in anything the script or the fakes print or log
    expect(r.stdout + r.stderr).not.toContain(s.activationCode);
    expect(s.host.installScriptRuns().join("\n")).not.toContain(s.activationCode);
  });

  it("appends ECS_CLUSTER to /etc/ecs/ecs.config and the external-mode lines to /var/lib/ecs/ecs.config", async () => {
    const r = await s.host.runInstallScript([...s.installArgs, "--ecs-endpoint", "ecs.example.test"]);
    expect(r.code).toBe(0);
    expect(s.host.readFile("/etc/ecs/ecs.config")).toBe(`ECS_CLUSTER=${CLUSTER}\n`);
    expect(s.host.readFile("/var/lib/ecs/ecs.config")).toBe(
      `AWS_DEFAULT_REGION=${REGION}\nECS_EXTERNAL=true\nECS_BACKEND_HOST=ecs.example.test\n`,
    );
  });

  it("appends after existing content, duplicates included (the last ECS_CLUSTER wins)", async () => {
    s.host.writeFile("/etc/ecs/ecs.config", "ECS_LOGLEVEL=debug\nECS_CLUSTER=old\n");
    const r = await s.host.runInstallScript(s.installArgs);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("/etc/ecs/ecs.config already exists, preserving existing config");
    expect(s.host.readFile("/etc/ecs/ecs.config")).toBe(
      `ECS_LOGLEVEL=debug\nECS_CLUSTER=old\nECS_CLUSTER=${CLUSTER}\n`,
    );
    expect(s.host.introspection()?.Cluster).toBe(CLUSTER);
  });

  it("a re-run neither re-registers SSM nor appends again, and reports the same container instance", async () => {
    const first = await s.host.runInstallScript(s.installArgs);
    expect(first.code).toBe(0);
    const etc = s.host.readFile("/etc/ecs/ecs.config");
    const varLib = s.host.readFile("/var/lib/ecs/ecs.config");
    const second = await s.host.runInstallScript(s.installArgs);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/SSM agent is already registered\. Managed instance ID: mi-[0-9a-f]{17}/);
    expect(second.stdout).toContain("ecs agent is already installed");
    expect(ARN_LINE.exec(second.stdout)?.[1]).toBe(ARN_LINE.exec(first.stdout)?.[1]);
    expect(Object.keys(s.emulator.state.managedInstances)).toHaveLength(1);
    expect(s.host.ssmAgentCalls()).toHaveLength(1);
    expect(s.host.readFile("/etc/ecs/ecs.config")).toBe(etc);
    expect(s.host.readFile("/var/lib/ecs/ecs.config")).toBe(varLib);
    expect(s.host.installScriptRuns()).toHaveLength(2);
  });

  it("on a host whose ecs-init is gone but config remains, appends duplicate lines (field notes §1)", async () => {
    expect((await s.host.runInstallScript(s.installArgs)).code).toBe(0);
    execFileSync("rm", [s.host.path("/usr/libexec/amazon-ecs-init")]);
    await s.host.run("systemctl", ["stop", "ecs"]);
    expect((await s.host.runInstallScript(s.installArgs)).code).toBe(0);
    expect(s.host.readFile("/etc/ecs/ecs.config")).toBe(`ECS_CLUSTER=${CLUSTER}\nECS_CLUSTER=${CLUSTER}\n`);
    expect(s.host.readFile("/var/lib/ecs/ecs.config")).toBe(
      `AWS_DEFAULT_REGION=${REGION}\nECS_EXTERNAL=true\nAWS_DEFAULT_REGION=${REGION}\nECS_EXTERNAL=true\n`,
    );
  });
});

describe("failures", () => {
  it("a wrong activation code: exit 1 with InvalidActivation, nothing registered, the code never printed", async () => {
    const wrong = "WrongCodeWrongCode00";
    const args = [...withoutFlag(s.installArgs, "--activation-code"), "--activation-code", wrong];
    const r = await s.host.runInstallScript(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("InvalidActivation");
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(Object.keys(s.emulator.state.managedInstances)).toEqual([]);
    expect(s.host.exists("/var/lib/amazon/ssm/registration")).toBe(false);
    expect(s.host.exists("/etc/ecs/ecs.config")).toBe(false);
  });

  it("--no-start: registers SSM, installs ecs-init, enables ecs but leaves it inactive", async () => {
    const r = await s.host.runInstallScript([...s.installArgs, "--no-start"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Skip starting ecs agent because --no-start is specified.");
    expect(r.stdout).not.toContain("Container instance arn:");
    expect(s.host.unitState("ecs")).toEqual({ active: false, enabled: true });
    expect(s.host.unitState("amazon-ssm-agent").enabled).toBe(true);
    expect(s.host.introspection()).toBeUndefined();
    expect(Object.keys(s.emulator.state.managedInstances)).toHaveLength(1);
    expect(Object.keys(s.emulator.state.containerInstances)).toEqual([]);
    const { code } = await s.host.run("systemctl", ["is-active", "--quiet", "ecs"]);
    expect(code).toBe(3);
  });

  it("times out (exit 1) when the agent never registers", async () => {
    const r = await s.host.runInstallScript(s.installArgs, {
      env: { FAKE_ECS_NO_REGISTER: "1", FAKE_POLL_TRIES: "3", FAKE_POLL_INTERVAL: "0.01" },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Timed out waiting for ECS Agent to start");
    expect(s.host.introspection()).toMatchObject({ Cluster: CLUSTER, ContainerInstanceArn: null });
  });

  it("--enable-gpu without a GPU fails after the config lines were appended (nothing is rolled back)", async () => {
    const r = await s.host.runInstallScript([...s.installArgs, "--enable-gpu"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Failed to detect GPU with nvidia-smi");
    expect(s.host.readFile("/etc/ecs/ecs.config")).toBe(`ECS_CLUSTER=${CLUSTER}\n`);
    expect(s.host.unitState("ecs")).toEqual({ active: false, enabled: false });
    // ecs-init is installed now, so a re-run skips that step, enable and start included: it polls in vain.
    const again = await s.host.runInstallScript([...s.installArgs, "--enable-gpu"], {
      env: { FAKE_GPU: "1" },
    });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("ecs agent is already installed");
    expect(again.stdout).toContain("Timed out waiting for ECS Agent to start");
    expect(s.host.readFile("/var/lib/ecs/ecs.config")).not.toContain("ECS_ENABLE_GPU_SUPPORT");
  });

  it("without openssl it dies like `set -e` does: exit 127, command not found, after SSM registered", async () => {
    const r = await s.host.runInstallScript(s.installArgs, { env: { FAKE_MISSING_TOOLS: "curl openssl" } });
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/: openssl: command not found\n$/);
    expect(r.stdout).not.toContain("Installation Failed");
    expect(Object.keys(s.emulator.state.managedInstances)).toHaveLength(1);
    expect(s.host.exists("/usr/libexec/amazon-ecs-init")).toBe(false);
  });

  it("a failing package manager ends it with apt's exit 100", async () => {
    const r = await s.host.runInstallScript(s.installArgs, { env: { FAKE_APT_FAIL: "1" } });
    expect(r.code).toBe(100);
    expect(r.stdout).toMatch(/E: Unable to locate package jq\n$/);
  });

  it("creates and removes a folder relative to its working directory, and records that directory", async () => {
    const work = s.host.path("/.fake/elsewhere");
    execFileSync("mkdir", ["-m", "0750", work]);
    const r = await s.host.runInstallScript(s.installArgs, { cwd: work });
    expect(r.code).toBe(0);
    expect(s.host.readFile("/.fake/install-script-cwd.log")).toBe(`750 ${process.geteuid?.()} ${work}\n`);
    expect(s.host.exists("/.fake/elsewhere/ssm-binaries")).toBe(false);
    expect(s.host.exists("/var/lib/ecs/deps/execute-command/bin/3.3.1611.0/ssm-session-worker")).toBe(true);
  });

  it("requires /run/systemd/system", async () => {
    execFileSync("rm", ["-r", s.host.path("/run/systemd")]);
    const r = await s.host.runInstallScript(s.installArgs);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("The install script currently supports only systemd.");
  });

  it("refuses to run without FAKE_ROOT or when the fake systemctl is not first on PATH", async () => {
    const noRoot = await s.host.runInstallScript(s.installArgs, { env: { FAKE_ROOT: "" } });
    expect(noRoot.code).toBe(1);
    expect(noRoot.stdout).toContain("FAKE_ROOT is not set");
    const realPath = await s.host.runInstallScript(s.installArgs, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    expect(realPath.code).toBe(1);
    expect(realPath.stdout).toContain("is not first on PATH");
  });
});

describe("test knobs", () => {
  it("FAKE_INSTALL_EXIT=N exits N before doing anything (the run is still logged)", async () => {
    const r = await s.host.runInstallScript(s.installArgs, { env: { FAKE_INSTALL_EXIT: "42" } });
    expect(r.code).toBe(42);
    expect(r.stdout).toContain("FAKE_INSTALL_EXIT=42");
    expect(s.host.systemctlCalls()).toEqual([]);
    expect(s.host.installScriptRuns()).toHaveLength(1);
  });

  it("FAKE_INSTALL_SLEEP sleeps in a child process that a process-group kill takes down too", async () => {
    const marker = "37.4242"; // an unusual duration, to find the child among the machine's processes
    const sleeping = () =>
      execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line.includes(`sleep ${marker}`));
    const started = Date.now();
    const run = s.host.runInstallScript(s.installArgs, {
      env: { FAKE_INSTALL_SLEEP: marker },
      timeoutMs: 1_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sleeping()).toHaveLength(1);
    const r = await run;
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe(""); // killed while still sleeping, before any step
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sleeping()).toEqual([]);
  });

  it("FAKE_INSTALL_LOG redirects the run log", async () => {
    const log = s.host.path("/tmp/runs.log");
    await s.host.runInstallScript(["--help"], { env: { FAKE_INSTALL_LOG: log } });
    expect(s.host.readFile("/tmp/runs.log")).toBe("--help\n");
    expect(s.host.installScriptRuns()).toEqual([]);
  });

  it("detects a snap SSM agent and registers through its unit", async () => {
    s.host.installUnit("snap.amazon-ssm-agent.amazon-ssm-agent");
    await s.host.run("systemctl", ["enable", "snap.amazon-ssm-agent.amazon-ssm-agent.service"]);
    const r = await s.host.runInstallScript(s.installArgs);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Detected SSM agent installed via snap.");
    expect(r.stdout).toContain("SSM agent is already installed.");
    expect(s.host.unitState("snap.amazon-ssm-agent.amazon-ssm-agent")).toEqual({
      active: true,
      enabled: true,
    });
    expect(s.host.unitState("amazon-ssm-agent")).toEqual({ active: false, enabled: false });
  });
});
