// The upgrade steps on each package manager the install script knows (field notes §10.12, §10.13), against the fake
// host's package tools (test/fixtures/lib/packages.mjs): the exact commands of the upgrade and of its rollback.
import { afterEach, describe, expect, it } from "vitest";
import { CommandStartError, type RunCommand } from "../../../src/adapters/host/exec.ts";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { IntrospectionClient } from "../../../src/adapters/host/introspection.ts";
import { createSystemd } from "../../../src/adapters/host/systemd.ts";
import type { HostContext } from "../../../src/app/host.ts";
import { PACKAGE_CACHE } from "../../../src/components/agent-packages/packages.ts";
import { packageArch } from "../../../src/components/agent-packages/sources.ts";
import { runSteps, type StepResult } from "../../../src/engine/run.ts";
import type { PackageManager } from "../../../src/flows/deregister/packages.ts";
import { resolveTarget } from "../../../src/flows/upgrade/resolve.ts";
import type { Resolution, UpgradeContext, UpgradeStep } from "../../../src/flows/upgrade/types.ts";
import { upgradeEcsStep } from "../../../src/flows/upgrade/upgrade-ecs.ts";
import { upgradeSsmStep } from "../../../src/flows/upgrade/upgrade-ssm.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { createFakeHost, type FakeHost } from "../../fixtures/host.ts";
import { inProcessTools } from "../../fixtures/in-process-tools.ts";
import { fakePackage } from "../../fixtures/package-server.ts";
import { fakeClock } from "../../support/clock.ts";
import { NEW, OLD, SSM_NEW, SSM_OLD } from "./harness.ts";

const RHEL_9 = 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="9.4"\nID_LIKE="fedora"\n';
const AMAZON_LINUX_2 = 'NAME="Amazon Linux"\nID="amzn"\nVERSION_ID="2"\nID_LIKE="centos rhel fedora"\n';
const SLES_15 = 'NAME="SLES"\nID="sles"\nVERSION_ID="15.5"\nID_LIKE="suse"\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n';
const ARCH_LINUX = 'NAME="Arch Linux"\nID=arch\n';
const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
const RUN_DIR = `${PACKAGE_CACHE}/run-test`;
const SNAP_UNIT = "snap.amazon-ssm-agent.amazon-ssm-agent";
const ARCH = packageArch("x86_64") ?? { deb: "amd64", rpm: "x86_64" };
// The SSM agent's rpms carry a release (amazon-ssm-agent-3.3.1142.0-1): rpm reports VERSION-RELEASE.
const SSM_RPM_OLD = `${SSM_OLD}-1`;
const SSM_RPM_NEW = `${SSM_NEW}-1`;

let fake: FakeHost | undefined;
afterEach(async () => {
  await fake?.cleanup();
  fake = undefined;
});

interface Bench {
  fake: FakeHost;
  ctx: UpgradeContext;
  /** Every command the steps ran, as argv. */
  calls: string[][];
  /** The argv of the calls to `tool`. */
  callsOf(tool: string): string[][];
  run(step: UpgradeStep): Promise<StepResult>;
}

/**
 * A fake host on `osRelease` whose tools run in-process (the same fakes as bin/), and the context the upgrade
 * command would hand the steps (AWS not asked: --local-only). `env` goes to the fakes (FAKE_*_BROKEN_VERSIONS).
 */
async function bench(osRelease: string, env: Record<string, string> = {}): Promise<Bench> {
  const host = await createFakeHost({ emulatorUrl: "http://127.0.0.1:9", osRelease });
  fake = host;
  const calls: string[][] = [];
  const tools = inProcessTools(async (cmd) => {
    throw new CommandStartError(cmd, "ENOENT", `${cmd}: not a fake of test/fixtures`);
  });
  const run: RunCommand = (cmd, args, options) => {
    calls.push([cmd, ...args]);
    return tools(cmd, args, { ...options, env: { ...host.env, ...env, ...options.env } });
  };
  const redactor = new Redactor();
  const clock = fakeClock();
  const signal = new AbortController().signal;
  const hostContext = {
    fs: new HostFs(host.root, clock),
    run,
    systemd: createSystemd({ run, redactor }),
    introspection: new IntrospectionClient(host.introspectionUrl, 2_000),
    clock,
    redactor,
    env: host.env,
    signal,
    progress: () => {},
    warn: () => {},
  } as unknown as HostContext;
  const key = { armored: "", fingerprint: "" };
  const ctx: UpgradeContext = {
    input: {
      component: "all",
      ecsVersion: "latest",
      ssmVersion: "latest",
      ecsSource: "https://packages.example/ecs",
      ssmSource: "https://packages.example/ssm",
      drain: false,
      drainTimeoutMs: 0,
      verifyTimeoutMs: 60_000,
      downloadTimeoutMs: 1_000,
      rollback: true,
      dryRun: false,
      ecsKey: key,
      ssmKey: key,
    },
    host: hostContext,
    aws: { ready: false, status: "skipped", reason: "skipped (--local-only)" },
    observed: {
      manager: undefined,
      arch: ARCH,
      ecsVersion: undefined,
      ssmManager: undefined,
      ssmUnit: "amazon-ssm-agent",
      ssmVersion: undefined,
      metadata: { state: "unreachable", error: "not asked" },
    },
    workDir: RUN_DIR,
    ecsTarget: () => Promise.reject(new Error("no ECS target in this test")),
    ssmTarget: () => Promise.reject(new Error("no SSM target in this test")),
    results: [],
  };
  return {
    fake: host,
    ctx,
    calls,
    callsOf: (tool) => calls.filter(([cmd]) => cmd === tool),
    async run(step) {
      const report = await runSteps([step], ctx, {
        dryRun: false,
        signal,
        clock,
        redactor,
        onFailure: "continue",
      });
      const [result] = report.steps;
      if (result === undefined) throw new Error(`${step.id} did not run`);
      return result;
    },
  };
}

/** A package file of the fake world in the run's folder or the cache; its host path. */
function packageFile(b: Bench, folder: string, name: string, component: "ecs" | "ssm", version: string) {
  const file = `${folder}/${name}`;
  b.fake.writeFile(file, fakePackage(component, version, "rpm"));
  return file;
}

/** The SSM agent installed from its rpm at `version`, its unit loaded and running. */
async function ssmInstalled(b: Bench, version: string): Promise<void> {
  b.fake.writeFile("/usr/bin/amazon-ssm-agent", "#!/bin/sh\n", 0o755);
  b.fake.writeFile("/.fake/packages/amazon-ssm-agent.version", `${version}\n`);
  b.fake.installUnit("amazon-ssm-agent");
  await b.ctx.host.systemd.start("amazon-ssm-agent");
}

/** ecs-init at `version`, ecs running as the registered container instance ARN (restored from agent.db). */
async function ecsRegistered(b: Bench, version: string): Promise<void> {
  b.fake.writeFile("/usr/libexec/amazon-ecs-init", "#!/bin/sh\n", 0o755);
  b.fake.writeFile("/.fake/packages/amazon-ecs-init.version", `${version}\n`);
  b.fake.writeFile("/etc/ecs/ecs.config", "ECS_CLUSTER=edge\n");
  b.fake.writeFile(
    "/var/lib/ecs/data/agent.db",
    JSON.stringify({ cluster: "edge", containerInstanceArn: ARN }),
  );
  b.fake.installUnit("ecs");
  await b.ctx.host.systemd.start("ecs");
  b.ctx.observed.metadata = await b.ctx.host.introspection.metadata();
  expect(b.ctx.observed.metadata).toMatchObject({ state: "ok", containerInstanceArn: ARN });
}

/** The target the resolve step would hand over: the new package in the run's folder, the old one for the rollback. */
function rpmTarget(b: Bench, component: "ecs" | "ssm"): Resolution {
  const [from, to] = component === "ecs" ? [OLD, NEW] : [SSM_RPM_OLD, SSM_RPM_NEW];
  const name = (version: string) =>
    component === "ecs" ? `amazon-ecs-init-${version}.x86_64.rpm` : `amazon-ssm-agent-${version}.amd64.rpm`;
  const file = packageFile(b, RUN_DIR, name(to), component, to);
  const previous = packageFile(b, RUN_DIR, name(from), component, from);
  return {
    needed: true,
    from,
    to,
    file,
    url: `https://packages.example/${name(to)}`,
    previous: { file: previous, url: previous },
  };
}

const real = (b: Bench, hostPath: string) => b.fake.path(hostPath);

const restart = (unit: string) => ["systemctl", "restart", unit];

/**
 * A step whose new version failed verification and was rolled back: it failed naming both versions, and its calls
 * to `tool` and its restarts of `unit` (each verification begins with one) were exactly `sequence`, in order: the
 * rollback came after the failed verification of `to`, and `from` was verified again after it.
 */
function expectRolledBack(
  b: Bench,
  result: StepResult,
  change: { pkg: string; to: string; from: string; tool: string; unit: string },
  sequence: string[][],
): void {
  const { pkg, to, from, tool, unit } = change;
  expect(result.status).toBe("failed");
  expect(result.summary).toMatch(
    new RegExp(`^${pkg} ${to} failed verification \\(.*\\); rolled back to ${from}, which is verified$`),
  );
  const calls = b.calls.filter(
    ([cmd, verb, name]) => cmd === tool || (cmd === "systemctl" && verb === "restart" && name === unit),
  );
  expect(calls).toEqual(sequence);
}

describe.each<[string, Exclude<PackageManager, "apt" | "snap">, string]>([
  ["RHEL 9", "dnf", RHEL_9],
  ["Amazon Linux 2", "yum", AMAZON_LINUX_2],
  ["SLES", "zypper", SLES_15],
])("upgrade on %s (%s)", (_distro, manager, osRelease) => {
  // zypper installs the older package as it installs the newer one; dnf and yum have a verb for it.
  const zypper = (file: string) => [
    "zypper",
    "--non-interactive",
    "install",
    "--allow-unsigned-rpm",
    "--oldpackage",
    file,
  ];
  const install = (file: string) => (manager === "zypper" ? zypper(file) : [manager, "install", "-y", file]);
  const rollBack = (file: string) =>
    manager === "zypper" ? zypper(file) : [manager, "downgrade", "-y", file];

  /** ecs-init at OLD, registered and running, the NEW rpm its target. */
  async function ecsBench(env: Record<string, string> = {}): Promise<Bench> {
    const b = await bench(osRelease, env);
    await ecsRegistered(b, OLD);
    Object.assign(b.ctx.observed, { manager, ssmManager: manager, ecsVersion: OLD });
    const target = rpmTarget(b, "ecs");
    b.ctx.ecsTarget = async () => target;
    return b;
  }

  /** The SSM agent's rpm at SSM_RPM_OLD, running, SSM_RPM_NEW its target. */
  async function ssmBench(env: Record<string, string> = {}): Promise<Bench> {
    const b = await bench(osRelease, env);
    await ssmInstalled(b, SSM_RPM_OLD);
    Object.assign(b.ctx.observed, { manager, ssmManager: manager, ssmVersion: SSM_RPM_OLD });
    const target = rpmTarget(b, "ssm");
    b.ctx.ssmTarget = async () => target;
    return b;
  }

  it("installs the new ecs-init rpm, restarts ecs and verifies the agent, and keeps it in the cache", async () => {
    const b = await ecsBench();

    const result = await b.run(upgradeEcsStep);

    expect(result).toMatchObject({
      status: "changed",
      summary: `upgraded amazon-ecs-init ${OLD} -> ${NEW}; ${ARN} reconnected (the control plane was not asked: skipped (--local-only))`,
    });
    expect(b.callsOf(manager)).toEqual([install(real(b, `${RUN_DIR}/amazon-ecs-init-${NEW}.x86_64.rpm`))]);
    expect((await b.ctx.host.introspection.metadata()) as { version?: string }).toMatchObject({
      version: "Amazon ECS Agent - v1.90.0 (fake0001)",
    });
    expect(b.fake.exists(`${PACKAGE_CACHE}/amazon-ecs-init-${NEW}.x86_64.rpm`)).toBe(true);
  });

  it("rolls ecs-init back to the cached old rpm when the new agent never answers", async () => {
    const b = await ecsBench({ FAKE_ECS_BROKEN_VERSIONS: NEW });

    const result = await b.run(upgradeEcsStep);

    const change = { pkg: "amazon-ecs-init", to: NEW, from: OLD, tool: manager, unit: "ecs" };
    expectRolledBack(b, result, change, [
      install(real(b, `${RUN_DIR}/amazon-ecs-init-${NEW}.x86_64.rpm`)),
      restart("ecs"),
      rollBack(real(b, `${PACKAGE_CACHE}/amazon-ecs-init-${OLD}.x86_64.rpm`)),
      restart("ecs"),
    ]);
    expect(b.fake.readFile("/.fake/packages/amazon-ecs-init.version").trim()).toBe(OLD);
  });

  it("installs the new SSM agent rpm, restarts it and checks the version rpm reports", async () => {
    const b = await ssmBench();

    const result = await b.run(upgradeSsmStep);

    expect(result).toMatchObject({
      status: "changed",
      summary: `upgraded amazon-ssm-agent ${SSM_RPM_OLD} -> ${SSM_RPM_NEW}`,
    });
    expect(b.callsOf(manager)).toEqual([
      install(real(b, `${RUN_DIR}/amazon-ssm-agent-${SSM_RPM_NEW}.amd64.rpm`)),
    ]);
    expect(b.callsOf("rpm")).toContainEqual([
      "rpm",
      "-q",
      "--queryformat",
      "%{VERSION}-%{RELEASE}",
      "amazon-ssm-agent",
    ]);
    expect(b.fake.systemctlCalls()).toContain("restart amazon-ssm-agent");
  });

  it("rolls the SSM agent back to the old rpm when the new one does not start", async () => {
    const b = await ssmBench({ FAKE_SSM_BROKEN_VERSIONS: SSM_RPM_NEW });

    const result = await b.run(upgradeSsmStep);

    const change = {
      pkg: "amazon-ssm-agent",
      to: SSM_RPM_NEW,
      from: SSM_RPM_OLD,
      tool: manager,
      unit: "amazon-ssm-agent",
    };
    expectRolledBack(b, result, change, [
      install(real(b, `${RUN_DIR}/amazon-ssm-agent-${SSM_RPM_NEW}.amd64.rpm`)),
      restart("amazon-ssm-agent"),
      rollBack(real(b, `${PACKAGE_CACHE}/amazon-ssm-agent-${SSM_RPM_OLD}.amd64.rpm`)),
      restart("amazon-ssm-agent"),
    ]);
    expect(await b.ctx.host.systemd.isActive("amazon-ssm-agent")).toBe(true);
  });
});

describe("upgrade of the SSM agent snap (snap refresh)", () => {
  /** The snap at SSM_OLD, SSM_NEW on offer, its unit running; resolved as the upgrade command resolves it. */
  async function snapBench(env: Record<string, string> = {}): Promise<Bench> {
    const b = await bench(UBUNTU, env);
    b.fake.writeFile(
      "/.fake/snaps/amazon-ssm-agent.json",
      JSON.stringify({ version: SSM_OLD, revision: 7, available: SSM_NEW }),
    );
    b.fake.installUnit(SNAP_UNIT);
    await b.ctx.host.systemd.start(SNAP_UNIT);
    Object.assign(b.ctx.observed, {
      manager: "apt",
      ssmManager: "snap",
      ssmUnit: SNAP_UNIT,
      ssmVersion: SSM_OLD,
    });
    b.ctx.ssmTarget = () => resolveTarget(b.ctx, "ssm");
    return b;
  }

  it("asks snapd for a newer revision, refreshes, restarts the snap's unit and checks the version", async () => {
    const b = await snapBench();

    const result = await b.run(upgradeSsmStep);

    expect(result).toMatchObject({
      status: "changed",
      summary: `refreshed the amazon-ssm-agent snap ${SSM_OLD} -> ${SSM_NEW}`,
    });
    expect(b.callsOf("snap")).toEqual([
      ["snap", "refresh", "--list"],
      ["snap", "refresh", "amazon-ssm-agent"],
      ["snap", "list", "amazon-ssm-agent"],
    ]);
    expect(b.fake.systemctlCalls()).toContain(`restart ${SNAP_UNIT}`);
  });

  it("plans the rollback as snap revert", async () => {
    const b = await snapBench();
    const plan = await upgradeSsmStep.plan(b.ctx, new AbortController().signal);
    expect(plan.changes?.[0]?.details).toEqual([
      "through snapd (snap refresh)",
      "rollback: snap revert amazon-ssm-agent (the revision snapd kept), if the verification fails",
    ]);
    expect(b.callsOf("snap")).toEqual([["snap", "refresh", "--list"]]);
  });

  it("reverts the snap when the new revision does not start", async () => {
    const b = await snapBench({ FAKE_SSM_BROKEN_VERSIONS: SSM_NEW });

    const result = await b.run(upgradeSsmStep);

    const change = { pkg: "amazon-ssm-agent", to: SSM_NEW, from: SSM_OLD, tool: "snap", unit: SNAP_UNIT };
    expectRolledBack(b, result, change, [
      ["snap", "refresh", "--list"],
      ["snap", "refresh", "amazon-ssm-agent"],
      restart(SNAP_UNIT),
      ["snap", "revert", "amazon-ssm-agent"],
      restart(SNAP_UNIT),
      ["snap", "list", "amazon-ssm-agent"],
    ]);
    expect(JSON.parse(b.fake.readFile("/.fake/snaps/amazon-ssm-agent.json")).version).toBe(SSM_OLD);
  });

  it("has nothing to do when snapd offers nothing newer", async () => {
    const b = await snapBench();
    b.fake.writeFile("/.fake/snaps/amazon-ssm-agent.json", JSON.stringify({ version: SSM_OLD, revision: 7 }));

    const result = await b.run(upgradeSsmStep);

    expect(result).toMatchObject({
      status: "ok",
      summary: `amazon-ssm-agent (snap) is already at the newest version, ${SSM_OLD}`,
    });
    expect(b.callsOf("snap")).toEqual([["snap", "refresh", "--list"]]);
  });

  it("refuses a pinned --ssm-version: snapd chooses the version (exit 1, nothing run)", async () => {
    const b = await snapBench();
    b.ctx.input.ssmVersion = SSM_NEW;

    const result = await b.run(upgradeSsmStep);

    expect(result).toMatchObject({
      status: "failed",
      summary: `amazon-ssm-agent is a snap here: snapd chooses its version, so --ssm-version ${SSM_NEW} cannot be installed`,
    });
    expect(b.callsOf("snap")).toEqual([]);
  });
});

describe("upgrade on a distribution without a known package manager", () => {
  it("fails each component with why, asking nothing of any package tool", async () => {
    const b = await bench(ARCH_LINUX);
    b.ctx.ecsTarget = () => resolveTarget(b.ctx, "ecs");
    b.ctx.ssmTarget = () => resolveTarget(b.ctx, "ssm");

    for (const [step, pkg] of [
      [upgradeEcsStep, "amazon-ecs-init"],
      [upgradeSsmStep, "amazon-ssm-agent"],
    ] as const) {
      expect(await b.run(step)).toMatchObject({
        status: "failed",
        summary: `cannot upgrade ${pkg} here: no package manager known for this distribution (/etc/os-release)`,
        remediation: "upgrade it by hand with the distribution's package manager",
      });
    }
    expect(b.calls).toEqual([]);
  });
});
