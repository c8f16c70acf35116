import { describe, expect, it } from "vitest";
import { CommandStartError, type RunOptions, type RunResult } from "../../../src/adapters/host/exec.ts";
import type { HostContext } from "../../../src/app/host.ts";
import {
  AGENT_PACKAGES,
  choosePackageManager,
  managerFor,
  type PackageManager,
  packageInstalled,
  removePackages,
} from "../../../src/flows/deregister/packages.ts";
import { Redactor } from "../../../src/util/redact.ts";

/** Which package manager owns each agent package, and the commands that ask it and remove them. */

const SNAP_UNIT = "snap.amazon-ssm-agent.amazon-ssm-agent";
const DEB_UNIT = "amazon-ssm-agent";

interface Call {
  cmd: string;
  args: readonly string[];
  options: RunOptions;
}

/** A host whose exec adapter answers every command with `answer` and records what it was asked to run. */
function hostAnswering(answer: Partial<RunResult> | Error) {
  const calls: Call[] = [];
  const redactor = new Redactor();
  const host = {
    redactor,
    run: async (cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> => {
      calls.push({ cmd, args, options });
      if (answer instanceof Error) throw answer;
      return {
        command: [cmd, ...args].join(" "),
        exitCode: 0,
        stdout: "",
        stderr: "",
        timedOut: false,
        durationMs: 1,
        ...answer,
      };
    },
  } as unknown as HostContext;
  return { host, calls, redactor };
}

describe("choosing the package manager: the edges", () => {
  it.each<[string, string, PackageManager | undefined]>([
    ["Debian itself", "ID=debian", "apt"],
    ["a Debian derivative by ID_LIKE alone", "ID=raspbian\nID_LIKE=debian", "apt"],
    ["an Ubuntu derivative by ID_LIKE alone", "ID=elementary\nID_LIKE=ubuntu", "apt"],
    ["several ID_LIKE words", 'ID=pop\nID_LIKE="ubuntu  debian"', "apt"],
    ["a SUSE family member by ID_LIKE alone", 'ID="sle-micro"\nID_LIKE="suse"', "zypper"],
    ["SLES", 'ID="sles"', "zypper"],
    ["RHEL", 'ID="rhel"\nVERSION_ID="9.4"', "dnf"],
    ["an openSUSE flavour by its own ID", "ID=opensuse-tumbleweed", "zypper"],
    ["Fedora", "ID=fedora", "dnf"],
    ["Rocky Linux by its own ID", "ID=rocky", "dnf"],
    ["CentOS Stream", 'ID="centos"', "dnf"],
    ["AlmaLinux", "ID=almalinux", "dnf"],
    ["Amazon Linux 2023", 'ID="amzn"\nVERSION_ID="2023"', "dnf"],
    ["Amazon Linux 2", 'ID="amzn"\nVERSION_ID="2"', "yum"],
    [
      "a rebuild that only names amzn as its family is not Amazon Linux 2",
      "ID=other\nID_LIKE=amzn\nVERSION_ID=2",
      "dnf",
    ],
    ["an upper-case ID is not recognised", "ID=Ubuntu", undefined],
    ["no ID at all", 'NAME="Some Linux"', undefined],
    ["an empty file", "", undefined],
  ])("%s", (_name, osRelease, manager) => {
    expect(choosePackageManager(osRelease)).toBe(manager);
  });
});

describe("managerFor", () => {
  it.each<
    [string, (typeof AGENT_PACKAGES)[number], PackageManager | undefined, string, PackageManager | undefined]
  >([
    ["the SSM agent installed as a snap", "amazon-ssm-agent", "apt", SNAP_UNIT, "snap"],
    ["the SSM agent as a deb", "amazon-ssm-agent", "apt", DEB_UNIT, "apt"],
    ["ecs-init is never a snap", "amazon-ecs-init", "apt", SNAP_UNIT, "apt"],
    ["an unknown distribution", "amazon-ecs-init", undefined, DEB_UNIT, undefined],
  ])("%s", (_name, pkg, distro, unit, expected) => {
    expect(managerFor(pkg, distro, unit)).toBe(expected);
  });

  it("covers both packages the install script installs", () => {
    expect(AGENT_PACKAGES).toEqual(["amazon-ecs-init", "amazon-ssm-agent"]);
  });
});

describe("packageInstalled asks the package database", () => {
  it.each<[PackageManager, string, string[]]>([
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax.
    ["apt", "dpkg-query", ["-W", "-f=${Status}", "amazon-ecs-init"]],
    ["dnf", "rpm", ["-q", "amazon-ecs-init"]],
    ["yum", "rpm", ["-q", "amazon-ecs-init"]],
    ["zypper", "rpm", ["-q", "amazon-ecs-init"]],
    ["snap", "snap", ["list", "amazon-ecs-init"]],
  ])("%s: %s", async (manager, cmd, args) => {
    const { host, calls, redactor } = hostAnswering({ stdout: "install ok installed" });
    expect(await packageInstalled(host, manager, "amazon-ecs-init")).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ cmd, args, options: { timeoutMs: 60_000 } });
    expect(calls[0]?.options.redactor).toBe(redactor);
  });

  it.each<[string, PackageManager, Partial<RunResult>, boolean]>([
    [
      "dpkg knows a removed package only by its status",
      "apt",
      { stdout: "deinstall ok config-files" },
      false,
    ],
    ["dpkg exits non-zero for an unknown one", "apt", { exitCode: 1, stdout: "install ok installed" }, false],
    ["rpm exits non-zero for an unknown one", "dnf", { exitCode: 1 }, false],
    ["rpm answers 0 for an installed one", "dnf", { stdout: "amazon-ecs-init-1.89.0-1.x86_64" }, true],
    ["snap exits non-zero for an unknown one", "snap", { exitCode: 1 }, false],
  ])("%s", async (_name, manager, answer, installed) => {
    const { host } = hostAnswering(answer);
    expect(await packageInstalled(host, manager, "amazon-ecs-init")).toBe(installed);
  });

  it("cannot be asked when the tool is missing: undefined (removal is attempted anyway)", async () => {
    const { host } = hostAnswering(new CommandStartError("rpm", "ENOENT", "rpm: not found"));
    expect(await packageInstalled(host, "dnf", "amazon-ecs-init")).toBeUndefined();
  });

  it("any other error is not swallowed", async () => {
    const { host } = hostAnswering(new Error("exec adapter broke"));
    await expect(packageInstalled(host, "dnf", "amazon-ecs-init")).rejects.toThrow("exec adapter broke");
  });
});

describe("removePackages", () => {
  it("runs the manager's removal, apt without questions, with a long timeout", async () => {
    const { host, calls, redactor } = hostAnswering({});
    await removePackages(host, "apt", ["amazon-ecs-init", "amazon-ssm-agent"]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      cmd: "apt-get",
      args: ["remove", "-y", "amazon-ecs-init", "amazon-ssm-agent"],
      options: { timeoutMs: 15 * 60_000, env: { DEBIAN_FRONTEND: "noninteractive" } },
    });
    expect(calls[0]?.options.redactor).toBe(redactor);
  });

  it("other managers get no extra environment", async () => {
    const { host, calls } = hostAnswering({});
    await removePackages(host, "dnf", ["amazon-ecs-init"]);
    expect(calls[0]).toMatchObject({ cmd: "dnf", args: ["remove", "-y", "amazon-ecs-init"] });
    expect(Object.keys(calls[0]?.options ?? {})).not.toContain("env");
  });

  it.each<[string, Partial<RunResult>, string]>([
    [
      "a non-zero exit",
      { command: "dnf remove -y x", exitCode: 1, stderr: "Error: no match" },
      "dnf remove -y x failed (exit 1): Error: no match",
    ],
    [
      "a timeout",
      { command: "dnf remove -y x", exitCode: 0, timedOut: true, stdout: "Downloading" },
      "dnf remove -y x failed (exit 0, timed out): Downloading",
    ],
  ])("fails on %s, naming the command and its last line", async (_name, answer, message) => {
    const { host } = hostAnswering(answer);
    await expect(removePackages(host, "dnf", ["x"])).rejects.toThrow(message);
  });
});
