import { readdirSync, rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startConnectProxy } from "../../support/connect-proxy.ts";
import {
  NEW,
  OLD,
  packageCalls,
  SSM_NEW,
  SSM_OLD,
  startUpgradeWorld,
  step,
  type UpgradeJson,
  type UpgradeWorld,
} from "./harness.ts";

const CACHE = "/var/lib/ecs-anywhere-agent/packages";
const agentVersion = (w: UpgradeWorld) => w.world.host.introspection()?.Version;

describe("upgrade: ecs-init and the ECS agent (fake package manager, old -> new)", () => {
  let w: UpgradeWorld;
  beforeEach(async () => {
    w = await startUpgradeWorld();
  });
  afterEach(() => w.stop());

  it("installs the verified new package, restarts ecs and verifies the agent reconnects; a re-run changes nothing", async () => {
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    const { run, report } = await w.upgradeJson(["--component", "ecs"]);
    expect(run.code, run.stderr).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.before).toMatchObject({ ecsInit: OLD, ecsAgent: "Amazon ECS Agent - v1.89.0 (fake0001)" });
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([["upgrade-ecs", "changed"]]);
    expect(step(report, "upgrade-ecs").summary).toBe(
      `upgraded amazon-ecs-init ${OLD} -> ${NEW}; ${w.arn} reconnected`,
    );
    // The package database, the running agent (same container instance), and the control plane agree.
    expect(w.installed("amazon-ecs-init")).toBe(NEW);
    expect(agentVersion(w)).toBe("Amazon ECS Agent - v1.90.0 (fake0001)");
    expect(w.world.host.introspection()?.ContainerInstanceArn).toBe(w.arn);
    expect(w.world.host.systemctlCalls()).toContain("restart ecs");
    const ecsCalls = w.world.emu
      .calls()
      .filter((call) => call.service === "ecs")
      .map((call) => call.action);
    expect(ecsCalls).toContain("DescribeContainerInstances");
    // Downloaded with their signatures, both versions (the new one, the one to roll back to); nothing else.
    expect(w.packages.requests()).toEqual(
      expect.arrayContaining([
        `GET ${w.packages.pathOf("ecs", "latest")}`,
        `GET ${w.packages.pathOf("ecs", "latest")}.asc`,
        `GET ${w.packages.pathOf("ecs", OLD)}`,
        `GET ${w.packages.pathOf("ecs", OLD)}.asc`,
      ]),
    );
    expect(packageCalls(w.world).filter((line) => line.startsWith("apt-get install"))).toEqual([
      expect.stringMatching(
        /^apt-get install -y --allow-downgrades \/.*\/amazon-ecs-init-latest\.(amd64|arm64)\.deb$/,
      ),
    ]);
    // The cache keeps what is installed and what it replaced (the next rollback), nothing of the run's folder.
    const cached = w.world.host.exists(CACHE) ? listCache(w) : [];
    expect(cached).toEqual([
      expect.stringMatching(/^amazon-ecs-init-1\.89\.0-1\.(amd64|arm64)\.deb$/),
      expect.stringMatching(/^amazon-ecs-init-1\.90\.0-1\.(amd64|arm64)\.deb$/),
    ]);

    const again = await w.upgradeJson(["--component", "ecs"]);
    expect(again.run.code).toBe(0);
    expect(step(again.report, "upgrade-ecs")).toMatchObject({
      status: "ok",
      summary: `amazon-ecs-init is already at ${NEW} (latest)`,
    });
    const pinned = await w.upgradeJson(["--component", "ecs", "--ecs-version", "1.90.0"]);
    expect(step(pinned.report, "upgrade-ecs")).toMatchObject({
      status: "ok",
      summary: `amazon-ecs-init is already at ${NEW}`,
    });
    expect(packageCalls(w.world).filter((line) => line.startsWith("apt-get install"))).toHaveLength(1);
  });

  it("--dry-run shows the plan (versions, source, rollback) and changes nothing", async () => {
    const before = w.world.host.systemctlCalls().length;
    const { run, report } = await w.upgradeJson(["--component", "ecs", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(report.dryRun).toBe(true);
    const plan = step(report, "upgrade-ecs");
    expect(plan).toMatchObject({ status: "planned", summary: `upgrade amazon-ecs-init ${OLD} -> ${NEW}` });
    expect(plan.changes?.[0]?.summary).toBe(
      `upgrade amazon-ecs-init ${OLD} -> ${NEW}, then restart ecs and verify the agent reconnects`,
    );
    expect(plan.changes?.[0]?.details).toEqual([
      `from ${w.packages.ecsSource}${w.packages.pathOf("ecs", "latest").slice(4)} (signature verified)`,
      `rollback: ${OLD} from ${w.packages.ecsSource}${w.packages.pathOf("ecs", OLD).slice(4)} (signature verified), reinstalled if the verification fails`,
    ]);
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    expect(agentVersion(w)).toBe("Amazon ECS Agent - v1.89.0 (fake0001)");
    expect(
      w.world.host
        .systemctlCalls()
        .slice(before)
        .filter((c) => !/^(is-|show)/.test(c)),
    ).toEqual([]);
    expect(packageCalls(w.world).some((line) => line.startsWith("apt-get install"))).toBe(false);
    expect(w.world.host.exists(CACHE)).toBe(false);

    const text = await w.upgrade(["--component", "ecs", "--dry-run"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Plan for this host: upgrade the agents\.\n {2}PLAN upgrade-ecs: upgrade amazon-ecs-init 1\.89\.0-1 -> 1\.90\.0-1\n/,
    );
    expect(text.stdout.trim().split("\n").at(-1)).toBe("dry run: nothing was changed");
  });

  it("behind a proxy (HTTPS_PROXY here), downloads the packages and their signatures through it", async () => {
    const proxy = await startConnectProxy();
    try {
      const noProxy = { NO_PROXY: "", no_proxy: "" };
      const { run, report } = await w.upgradeJson(["--component", "ecs", "--dry-run"], {
        HTTPS_PROXY: proxy.url,
        ...noProxy,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(step(report, "upgrade-ecs")).toMatchObject({ status: "planned" });
      // The new package, the old one for the rollback, and a signature each: one tunnel per download.
      const packageServer = new URL(w.packages.ecsSource).host;
      expect(proxy.tunnels.filter((target) => target === packageServer)).toHaveLength(4);
      expect(w.packages.requests()).toHaveLength(4);
    } finally {
      await proxy.stop();
    }
  });

  it("--drain: with tasks running, DRAINING first, waits for them, upgrades, then ACTIVE again", async () => {
    w.world.emu.setRunningTasks(w.arn, 2);
    const states: string[] = [];
    const run = await w.upgradeWithAws(
      (ports) => ({
        ...ports,
        ecs: {
          ...ports.ecs,
          async setContainerInstanceDraining(cluster, arn) {
            states.push(
              `DRAINING with ${w.world.emu.state.containerInstances[arn]?.runningTasksCount} tasks`,
            );
            await ports.ecs.setContainerInstanceDraining(cluster, arn);
            // Their service moves the tasks elsewhere (field notes §10.14).
            w.world.emu.setRunningTasks(arn, 0);
          },
          async setContainerInstanceActive(cluster, arn) {
            states.push(`ACTIVE with ${w.installed("amazon-ecs-init")} installed`);
            await ports.ecs.setContainerInstanceActive(cluster, arn);
          },
        },
      }),
      ["--component", "ecs", "--drain", "--output", "json"],
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as UpgradeJson;
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["drain", "changed"],
      ["upgrade-ecs", "changed"],
      ["activate", "changed"],
    ]);
    expect(step(report, "drain").summary).toMatch(
      new RegExp(`^${w.arn} is DRAINING and runs no task \\(waited `),
    );
    expect(states).toEqual(["DRAINING with 2 tasks", `ACTIVE with ${NEW} installed`]);
    expect(w.world.emu.state.containerInstances[w.arn]?.status).toBe("ACTIVE");
  });

  it("--drain that outlives --drain-timeout upgrades nothing and sets the instance ACTIVE again (fake clock)", async () => {
    const run = await w.upgradeWithAws(
      (ports) => ({
        ...ports,
        ecs: {
          ...ports.ecs,
          // A task of no service: it never stops (field notes §10.14).
          async describeContainerInstances(cluster, arns) {
            const found = await ports.ecs.describeContainerInstances(cluster, arns);
            return found.map((instance) => ({ ...instance, runningTasksCount: 1 }));
          },
        },
      }),
      ["--component", "ecs", "--drain", "--drain-timeout", "20m", "--output", "json"],
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as UpgradeJson;
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["drain", "failed"],
      ["upgrade-ecs", "skipped"],
      ["activate", "changed"],
    ]);
    expect(step(report, "drain").summary).toBe(`1 task(s) still running or pending on ${w.arn} after 20m`);
    expect(step(report, "upgrade-ecs").summary).toBe(
      "not run: the drain failed, so the ECS agent was not upgraded",
    );
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    expect(w.world.emu.state.containerInstances[w.arn]?.status).toBe("ACTIVE");
  });

  it("--drain without tasks drains nothing and sets nothing ACTIVE", async () => {
    const { run, report } = await w.upgradeJson(["--component", "ecs", "--drain"]);
    expect(run.code, run.stderr).toBe(0);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["drain", "ok"],
      ["upgrade-ecs", "changed"],
      ["activate", "ok"],
    ]);
    expect(step(report, "drain").summary).toBe(`no task runs on ${w.arn}: nothing to drain`);
    expect(w.world.emu.mutatingCalls().map((call) => call.action)).not.toContain(
      "UpdateContainerInstancesState",
    );
  });

  it("a new version that never reconnects is rolled back to the old one, verified; exit 1 naming both", async () => {
    const broken = { FAKE_ECS_BROKEN_VERSIONS: NEW };
    const { run, report } = await w.upgradeJson(["--component", "ecs"], broken);
    expect(run.code).toBe(1);
    expect(report.ok).toBe(false);
    const failed = step(report, "upgrade-ecs");
    expect(failed.status).toBe("failed");
    expect(failed.summary).toMatch(
      new RegExp(
        `^amazon-ecs-init ${NEW} failed verification \\(the ECS agent does not answer \\(.*\\) after 5m\\); rolled back to ${OLD}, which is verified$`,
      ),
    );
    expect(failed.remediation).toMatch(/^stay on 1\.89\.0-1 \(see \/var\/log\/ecs\/ecs-agent\.log/);
    // The old version runs again, as the same container instance.
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    expect(agentVersion(w)).toBe("Amazon ECS Agent - v1.89.0 (fake0001)");
    expect(w.world.host.introspection()?.ContainerInstanceArn).toBe(w.arn);
    const installs = packageCalls(w.world).filter((line) => line.startsWith("apt-get install"));
    expect(installs).toHaveLength(2);
    expect(installs[1]).toMatch(
      /\/var\/lib\/ecs-anywhere-agent\/packages\/amazon-ecs-init-1\.89\.0-1\.(amd64|arm64)\.deb$/,
    );
    expect(w.world.host.readFile("/var/log/ecs/ecs-agent.log")).toContain(
      "cannot connect to the ECS control plane",
    );

    // In text: the failure and its fix, one line each.
    const text = await w.upgrade(["--component", "ecs"], broken);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^FAIL upgrade-ecs: amazon-ecs-init 1\.90\.0-1 failed verification .*rolled back to 1\.89\.0-1, which is verified$/m,
    );
    expect(text.stdout).toMatch(/^ {2}fix: stay on 1\.89\.0-1 /m);
  });

  it("with --no-rollback a failed verification stops there, saying how to go back", async () => {
    const { run, report } = await w.upgradeJson(["--component", "ecs", "--no-rollback"], {
      FAKE_ECS_BROKEN_VERSIONS: NEW,
    });
    expect(run.code).toBe(1);
    expect(step(report, "upgrade-ecs")).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(
        new RegExp(`^amazon-ecs-init ${NEW} is installed but failed verification: `),
      ),
      remediation: expect.stringContaining(`ecs-anywhere-agent upgrade --component ecs --ecs-version ${OLD}`),
    });
    expect(w.installed("amazon-ecs-init")).toBe(NEW);
    // Without a rollback the old package was never fetched.
    expect(w.packages.requests()).not.toContain(`GET ${w.packages.pathOf("ecs", OLD)}`);
  });

  it("refuses a package whose signature does not verify: nothing installed, nothing restarted", async () => {
    const path = w.packages.pathOf("ecs", "latest");
    const other = w.packages.pathOf("ecs", OLD);
    // A genuine signature, of another file.
    const res = await fetch(`${w.packages.ecsSource}${other.slice(4)}.asc`);
    w.packages.setResponse(`${path}.asc`, { status: 200, body: await res.text() });
    const before = w.world.host.systemctlCalls().length;
    const { run, report } = await w.upgradeJson(["--component", "ecs"]);
    expect(run.code).toBe(1);
    expect(step(report, "upgrade-ecs")).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(
        /^amazon-ecs-init latest from http:\/\/127\.0\.0\.1:\d+\/ecs\/amazon-ecs-init-latest\.\w+\.deb refused: its signature does not verify with key [0-9A-F]{40} \(bad-signature\)$/,
      ),
    });
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    expect(packageCalls(w.world).some((line) => line.startsWith("apt-get install"))).toBe(false);
    expect(w.world.host.systemctlCalls().slice(before)).not.toContain("restart ecs");
  });
});

describe("upgrade --local-only", () => {
  let w: UpgradeWorld;
  beforeEach(async () => {
    w = await startUpgradeWorld();
  });
  afterEach(() => w.stop());

  it("verifies on the host alone, says the control plane was not asked, and makes no AWS call", async () => {
    w.world.emu.clearCalls();
    const { run, report } = await w.upgradeJson(["--component", "ecs", "--local-only"]);
    expect(run.code, run.stderr).toBe(0);
    expect(step(report, "upgrade-ecs").summary).toBe(
      `upgraded amazon-ecs-init ${OLD} -> ${NEW}; ${w.arn} reconnected (the control plane was not asked: skipped (--local-only))`,
    );
    expect(w.world.emu.calls()).toEqual([]);
    expect(agentVersion(w)).toBe("Amazon ECS Agent - v1.90.0 (fake0001)");
  });
});

describe("upgrade on an rpm distribution", () => {
  let w: UpgradeWorld;
  beforeEach(async () => {
    w = await startUpgradeWorld();
    w.world.host.writeFile("/etc/os-release", 'ID="rhel"\nVERSION_ID="9.4"\n');
  });
  afterEach(() => w.stop());

  it("asks rpm for the versions and installs the .rpm with dnf", async () => {
    const { run, report } = await w.upgradeJson(["--component", "ecs"]);
    expect(run.code, run.stderr).toBe(0);
    expect(step(report, "upgrade-ecs").summary).toBe(
      `upgraded amazon-ecs-init ${OLD} -> ${NEW}; ${w.arn} reconnected`,
    );
    const calls = packageCalls(w.world);
    expect(calls).toContain("rpm -q --queryformat %{VERSION}-%{RELEASE} amazon-ecs-init");
    expect(calls).toContainEqual(
      expect.stringMatching(/^dnf install -y \/.*\/amazon-ecs-init-latest\.(x86_64|aarch64)\.rpm$/),
    );
    expect(calls.some((line) => line.startsWith("apt-get") || line.startsWith("dpkg"))).toBe(false);
    expect(w.installed("amazon-ecs-init")).toBe(NEW);
    expect(agentVersion(w)).toBe("Amazon ECS Agent - v1.90.0 (fake0001)");
  });

  it("reads /usr/lib/os-release when /etc has none (os-release(5)), as the distribution check does", async () => {
    w.world.host.writeFile("/usr/lib/os-release", w.world.host.readFile("/etc/os-release"));
    rmSync(w.world.host.path("/etc/os-release"));
    const { run } = await w.upgradeJson(["--component", "ecs", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(packageCalls(w.world)).toContain("rpm -q --queryformat %{VERSION}-%{RELEASE} amazon-ecs-init");
  });
});

describe("upgrade on a distribution without a known package manager", () => {
  let w: UpgradeWorld;
  beforeEach(async () => {
    w = await startUpgradeWorld();
    w.world.host.writeFile("/etc/os-release", 'NAME="Arch Linux"\nID=arch\n');
  });
  afterEach(() => w.stop());

  it("exits 1, saying for each component that it cannot upgrade it here and why; installs nothing", async () => {
    const before = packageCalls(w.world).length;
    const { run, report } = await w.upgradeJson();
    expect(run.code).toBe(1);
    for (const [id, pkg] of [
      ["upgrade-ecs", "amazon-ecs-init"],
      ["upgrade-ssm", "amazon-ssm-agent"],
    ] as const) {
      expect(step(report, id)).toMatchObject({
        status: "failed",
        summary: `cannot upgrade ${pkg} here: no package manager known for this distribution (/etc/os-release)`,
        remediation: "upgrade it by hand with the distribution's package manager",
      });
    }
    expect(packageCalls(w.world).slice(before)).toEqual([]);
    expect(w.packages.requests()).toEqual([]);
  });
});

describe("upgrade: the SSM agent", () => {
  let w: UpgradeWorld;
  beforeEach(async () => {
    w = await startUpgradeWorld();
  });
  afterEach(() => w.stop());

  it("installs the verified deb from the SSM source, restarts the agent and checks the version", async () => {
    const { run, report } = await w.upgradeJson(["--component", "ssm"]);
    expect(run.code, run.stderr).toBe(0);
    expect(step(report, "upgrade-ssm")).toMatchObject({
      status: "changed",
      summary: `upgraded amazon-ssm-agent ${SSM_OLD} -> ${SSM_NEW}`,
    });
    expect(w.installed("amazon-ssm-agent")).toBe(SSM_NEW);
    expect(w.world.host.systemctlCalls()).toContain("restart amazon-ssm-agent");
    expect(w.installed("amazon-ecs-init")).toBe(OLD);
    const pinned = await w.upgradeJson(["--component", "ssm", "--ssm-version", SSM_NEW]);
    expect(step(pinned.report, "upgrade-ssm")).toMatchObject({ status: "ok" });
  });
});

describe("upgrade: bad input (exit 2, nothing written)", () => {
  // One world for all: none of these runs may change it.
  let w: UpgradeWorld;
  beforeAll(async () => {
    w = await startUpgradeWorld();
  });
  afterAll(() => w.stop());

  it.each([
    [["--component", "docker"], /--component/],
    [["--ecs-version", "../../etc/passwd"], /--ecs-version: must be latest or a version such as 1\.90\.0-1/],
    [["--ssm-version", "1 2"], /--ssm-version: must be latest/],
    [["--ecs-source", "ftp://mirror/ecs"], /--ecs-source: must be an http:\/\/ or https:\/\/ URL/],
    [["--drain-timeout", "soon"], /--drain-timeout/],
  ])("%j", async (args, message) => {
    const before = w.world.host.systemctlCalls().length;
    const run = await w.upgrade(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(w.world.host.systemctlCalls()).toHaveLength(before);
    expect(w.world.host.exists(CACHE)).toBe(false);
    expect(w.packages.requests()).toEqual([]);
  });
});

function listCache(w: UpgradeWorld): string[] {
  return readdirSync(w.world.host.path(CACHE)).sort();
}
