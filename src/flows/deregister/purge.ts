import type { HostContext } from "../../app/host.ts";
import { readOsRelease } from "../../checks/distribution.ts";
import { AGENT_STATE } from "../../components/agent-state/paths.ts";
import { ECS_AGENT } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import type { Applied } from "../../engine/step.ts";
import { OperationError } from "../../errors.ts";
import {
  AGENT_PACKAGES,
  choosePackageManager,
  managerFor,
  type PackageManager,
  packageInstalled,
  removeCommand,
  removePackages,
} from "./packages.ts";
import { type EndpointKeysPurge, planEndpointKeysPurge } from "./purge-endpoints.ts";
import type { DeregisterStep } from "./types.ts";

/** What the packages and the agent leave behind (field notes §1-§4), removed after the packages. */
export const PURGE_FOLDERS = [
  ...ECS_AGENT.folders,
  ...SSM_AGENT.folders,
  AGENT_STATE.dir,
  ECS_AGENT.ecsInit,
] as const;

interface PurgeWork {
  units: { unit: string; active: boolean; enabled: boolean }[];
  endpoints: EndpointKeysPurge;
  removals: { manager: PackageManager | undefined; packages: string[] }[];
  folders: string[];
}

// The agent's own folder holds this run's lock: purge leaves the lock, and the command removes the folder
// once it has released it.
const LOCK_NAME = AGENT_STATE.lock.slice(AGENT_STATE.dir.length + 1);

/**
 * `--purge`: stop and disable both units, take the endpoint keys register set out of the SSM agent's file, remove
 * both packages, then their folders (the SSM agent's file stays when it holds more). Continues past failures.
 */
export const purgeAction: DeregisterStep = {
  id: "purge",
  async plan({ host, observed }) {
    const work = await findWork(host, observed.ssmUnit);
    const steps = describe(work);
    const { details, problem } = work.endpoints;
    if (steps.length === 0 && problem === undefined) {
      return { status: "ok", summary: "nothing left to purge" };
    }
    return {
      summary: [...steps, ...(problem === undefined ? [] : [problem])].join("; "),
      ...(details.length > 0 ? { details } : {}),
      apply: () => purge(host, work),
    };
  },
};

async function findWork(host: HostContext, ssmUnit: string): Promise<PurgeWork> {
  const osRelease = await readOsRelease(host.fs);
  const distro = choosePackageManager(osRelease);
  const units = await Promise.all(
    [ECS_AGENT.unit, ssmUnit].map(async (unit) => ({
      unit,
      active: await host.systemd.isActive(unit),
      enabled: await host.systemd.isEnabled(unit),
    })),
  );
  const endpoints = await planEndpointKeysPurge(host.fs);
  const removals: PurgeWork["removals"] = [];
  for (const pkg of AGENT_PACKAGES) {
    const manager = managerFor(pkg, distro, ssmUnit);
    if (manager !== undefined && (await packageInstalled(host, manager, pkg)) === false) continue;
    const group = removals.find((removal) => removal.manager === manager);
    if (group) group.packages.push(pkg);
    else removals.push({ manager, packages: [pkg] });
  }
  const folders: string[] = [];
  for (const folder of PURGE_FOLDERS) {
    if ((await leftIn(host, folder, endpoints)).length > 0) folders.push(folder);
  }
  return { units: units.filter((u) => u.active || u.enabled), endpoints, removals, folders };
}

/**
 * What purge would remove of the folder: the folder itself, or what is in it but what stays (the lock in the
 * agent's own folder, the SSM agent's file when it holds more than this agent's keys).
 */
async function leftIn(host: HostContext, folder: string, endpoints: EndpointKeysPurge): Promise<string[]> {
  const kept =
    folder === AGENT_STATE.dir ? LOCK_NAME : folder === endpoints.folder ? endpoints.kept : undefined;
  if (kept === undefined) return (await host.fs.exists(folder)) ? [folder] : [];
  return (await host.fs.list(folder)).filter((name) => name !== kept).map((name) => `${folder}/${name}`);
}

function describe(work: PurgeWork): string[] {
  return [
    ...(work.units.length > 0 ? [`stop and disable ${work.units.map((u) => u.unit).join(", ")}`] : []),
    ...(work.endpoints.summary === undefined ? [] : [work.endpoints.summary]),
    ...work.removals.map(({ manager, packages }) =>
      manager === undefined
        ? `remove ${packages.join(", ")} (no known package manager)`
        : removeCommand(manager, packages).flat().join(" "),
    ),
    ...(work.folders.length > 0
      ? [`remove ${work.folders.map((folder) => named(work, folder)).join(", ")}`]
      : []),
  ];
}

function named(work: PurgeWork, folder: string): string {
  const { kept } = work.endpoints;
  return folder === work.endpoints.folder && kept !== undefined ? `${folder} (all but ${kept})` : folder;
}

async function purge(host: HostContext, work: PurgeWork): Promise<Applied> {
  const problems: string[] = [];
  const attempt = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  };
  for (const { unit, enabled } of work.units) {
    await attempt(async () => {
      await host.systemd.stop(unit);
      if (enabled) await host.systemd.disable(unit);
    });
  }
  if (work.endpoints.problem !== undefined) problems.push(work.endpoints.problem);
  else await attempt(work.endpoints.apply);
  for (const { manager, packages } of work.removals) {
    await attempt(async () => {
      if (manager === undefined) {
        throw new Error(
          `cannot remove ${packages.join(", ")}: os-release names no distribution with apt-get, dnf, yum or zypper`,
        );
      }
      await removePackages(host, manager, packages);
    });
  }
  for (const folder of work.folders) {
    await attempt(async () => {
      for (const path of await leftIn(host, folder, work.endpoints)) {
        await host.fs.remove(path, { recursive: true });
      }
    });
  }
  if (problems.length > 0) {
    throw new OperationError(problems.join("; "), {
      remediation:
        "remove what is left by hand (see the message), or fix the cause and re-run deregister --purge",
    });
  }
  return { summary: `purged: ${describe(work).join("; ")}` };
}
