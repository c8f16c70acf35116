import type { HostContext } from "../register/host-context.ts";
import { ECS_UNIT, PATHS } from "../register/paths.ts";
import {
  AGENT_PACKAGES,
  choosePackageManager,
  managerFor,
  type PackageManager,
  packageInstalled,
  removeCommand,
  removePackages,
} from "./packages.ts";
import type { Action, Outcome } from "./types.ts";

/** What the packages and the agent leave behind (facts §1-§4), removed after the packages. */
export const PURGE_FOLDERS = [
  "/etc/ecs",
  "/var/lib/ecs",
  "/var/log/ecs",
  "/var/lib/amazon/ssm",
  "/etc/amazon/ssm",
  "/var/log/amazon/ssm",
  PATHS.agentDir,
  PATHS.ecsInit,
] as const;

interface PurgeWork {
  units: { unit: string; active: boolean; enabled: boolean }[];
  removals: { manager: PackageManager | undefined; packages: string[] }[];
  folders: string[];
}

/** `--purge`: stop and disable both units, remove both packages, then their folders. Continues past failures. */
export const purgeAction: Action = {
  name: "purge",
  async plan({ host }) {
    const work = await findWork(host);
    const steps = describe(work);
    if (steps.length === 0) return { status: "not-needed", message: "nothing left to purge" };
    return { status: "needed", message: steps.join("; "), apply: () => purge(host, work) };
  },
};

async function findWork(host: HostContext): Promise<PurgeWork> {
  const distro = choosePackageManager(await host.fs.readText("/etc/os-release"));
  const ssmUnit = await host.systemd.ssmUnitName();
  const units = await Promise.all(
    [ECS_UNIT, ssmUnit].map(async (unit) => ({
      unit,
      active: await host.systemd.isActive(unit),
      enabled: await host.systemd.isEnabled(unit),
    })),
  );
  const removals: PurgeWork["removals"] = [];
  for (const pkg of AGENT_PACKAGES) {
    const manager = managerFor(pkg, distro, ssmUnit);
    if (manager !== undefined && (await packageInstalled(host, manager, pkg)) === false) continue;
    const group = removals.find((removal) => removal.manager === manager);
    if (group) group.packages.push(pkg);
    else removals.push({ manager, packages: [pkg] });
  }
  const folders: string[] = [];
  for (const folder of PURGE_FOLDERS) if (await leftBehind(host, folder)) folders.push(folder);
  return { units: units.filter((u) => u.active || u.enabled), removals, folders };
}

/** The agent's own folder holds this run's lock: it counts only when something else is in it. */
async function leftBehind(host: HostContext, folder: string): Promise<boolean> {
  if (folder !== PATHS.agentDir) return host.fs.exists(folder);
  const lockName = PATHS.lock.slice(PATHS.agentDir.length + 1);
  return (await host.fs.list(folder)).some((name) => name !== lockName);
}

function describe(work: PurgeWork): string[] {
  return [
    ...(work.units.length > 0 ? [`stop and disable ${work.units.map((u) => u.unit).join(", ")}`] : []),
    ...work.removals.map(({ manager, packages }) =>
      manager === undefined
        ? `remove ${packages.join(", ")} (no known package manager)`
        : removeCommand(manager, packages).flat().join(" "),
    ),
    ...(work.folders.length > 0 ? [`remove ${work.folders.join(", ")}`] : []),
  ];
}

async function purge(host: HostContext, work: PurgeWork): Promise<Outcome> {
  const problems: string[] = [];
  const attempt = async (what: () => Promise<string | undefined>) => {
    try {
      const problem = await what();
      if (problem !== undefined) problems.push(problem);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  };
  for (const { unit, enabled } of work.units) {
    await attempt(async () => {
      await host.systemd.stop(unit);
      return enabled ? disable(host, unit) : undefined;
    });
  }
  for (const { manager, packages } of work.removals) {
    await attempt(async () =>
      manager === undefined
        ? `cannot remove ${packages.join(", ")}: /etc/os-release names no distribution with apt-get or dnf`
        : removePackages(host, manager, packages),
    );
  }
  for (const folder of work.folders)
    await attempt(() => host.fs.remove(folder, { recursive: true }).then(() => undefined));
  if (problems.length > 0) {
    return {
      status: "failed",
      message: problems.join("; "),
      remediation:
        "remove what is left by hand (see the message), or fix the cause and re-run deregister --purge",
    };
  }
  return { status: "done", message: `purged: ${describe(work).join("; ")}` };
}

async function disable(host: HostContext, unit: string): Promise<string | undefined> {
  const result = await host.run("systemctl", ["disable", unit], {
    timeoutMs: 90_000,
    redactor: host.redactor,
    env: host.env,
  });
  if (result.exitCode === 0 && !result.timedOut) return undefined;
  return `disabling ${unit}: ${result.stderr.trim().split("\n")[0] || `systemctl exited with ${result.exitCode}`}`;
}
