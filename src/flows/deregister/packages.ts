import { CommandStartError, describeFailure } from "../../adapters/host/exec.ts";
import type { HostContext } from "../../app/host.ts";
import { parseOsRelease } from "../../checks/distribution.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";

/** The packages the install script installs (field notes §1). */
export const AGENT_PACKAGES = [ECS_AGENT.package, SSM_AGENT.package] as const;
export type AgentPackage = (typeof AGENT_PACKAGES)[number];

export type PackageManager = "apt" | "dnf" | "yum" | "zypper" | "snap";

const PACKAGE_TIMEOUT_MS = 15 * 60_000;
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax ("install ok installed").
const DPKG_STATUS_FORMAT = "-f=${Status}";

/** The distro's package manager from os-release (ID, then ID_LIKE); undefined when it is not one we know. */
export function choosePackageManager(osRelease: string | undefined): PackageManager | undefined {
  const fields = parseOsRelease(osRelease ?? "");
  const id = fields.get("ID") ?? "";
  const ids = [id, ...(fields.get("ID_LIKE") ?? "").split(/\s+/)].filter(Boolean);
  if (ids.some((name) => name === "debian" || name === "ubuntu")) return "apt";
  if (ids.some((name) => name === "suse" || name.startsWith("opensuse") || name === "sles")) return "zypper";
  // Amazon Linux 2 has yum only; AL2023, RHEL 8+ and their rebuilds have dnf.
  if (id === "amzn" && fields.get("VERSION_ID") === "2") return "yum";
  if (ids.some((name) => ["rhel", "fedora", "centos", "amzn", "rocky", "almalinux"].includes(name)))
    return "dnf";
  return undefined;
}

/** Which manager owns a package here: the SSM agent may be a snap (field notes §4). */
export function managerFor(pkg: AgentPackage, distro: PackageManager | undefined, ssmUnit: string) {
  return pkg === SSM_AGENT.package && ssmUnit === SSM_AGENT.snapUnit ? "snap" : distro;
}

export function removeCommand(manager: PackageManager, packages: readonly string[]): [string, string[]] {
  switch (manager) {
    case "apt":
      return ["apt-get", ["remove", "-y", ...packages]];
    case "dnf":
    case "yum":
      return [manager, ["remove", "-y", ...packages]];
    case "zypper":
      return ["zypper", ["--non-interactive", "remove", ...packages]];
    case "snap":
      return ["snap", ["remove", ...packages]];
  }
}

/** Asks the package database; undefined when it cannot be asked (then removal is attempted anyway). */
export async function packageInstalled(
  host: HostContext,
  manager: PackageManager,
  pkg: string,
): Promise<boolean | undefined> {
  const [cmd, args, installed]: [string, string[], (out: string) => boolean] =
    manager === "apt"
      ? ["dpkg-query", ["-W", DPKG_STATUS_FORMAT, pkg], (out) => out.includes("install ok installed")]
      : manager === "snap"
        ? ["snap", ["list", pkg], () => true]
        : ["rpm", ["-q", pkg], () => true];
  try {
    const result = await host.run(cmd, args, { timeoutMs: 60_000, redactor: host.redactor });
    return result.exitCode === 0 && installed(result.stdout);
  } catch (error) {
    if (error instanceof CommandStartError) return undefined;
    throw error;
  }
}

/** Runs the removal; a non-zero exit (or a timeout) is an error naming the command and its last line. */
export async function removePackages(
  host: HostContext,
  manager: PackageManager,
  packages: readonly string[],
): Promise<void> {
  const [cmd, args] = removeCommand(manager, packages);
  const result = await host.run(cmd, args, {
    timeoutMs: PACKAGE_TIMEOUT_MS,
    redactor: host.redactor,
    ...(manager === "apt" ? { env: { DEBIAN_FRONTEND: "noninteractive" } } : {}),
  });
  if (result.exitCode !== 0 || result.timedOut) throw new Error(describeFailure(result));
}
