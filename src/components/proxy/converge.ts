import type { HostFs } from "../../adapters/host/fs.ts";
import type { Systemd } from "../../adapters/host/systemd.ts";
import { maskUrlPassword } from "../../ecsconfig/keys.ts";
import { MASK, type Redactor } from "../../util/redact.ts";
import { DOCKER } from "../docker/files.ts";
import { SSM_AGENT } from "../ssm-agent/files.ts";
import { DROP_IN_NAME, dockerDropIn, dropInPath, dropInSource, ssmDropIn } from "./render.ts";
import type { ProxySettings } from "./settings.ts";

/** The consumers that get a systemd drop-in (field notes §10.3, §10.4). */
export type DropInRole = "docker" | "ssm-agent";

/** One drop-in as it is and as it should be; `next` undefined: the file goes. */
export interface DropInPlan {
  role: DropInRole;
  unit: string;
  path: string;
  current: string | undefined;
  next: string | undefined;
  changed: boolean;
}

/** The drop-in files the agent may own, by host path: docker's and both SSM units' (deb/rpm and snap). */
export type DropInFiles = ReadonlyMap<string, string | undefined>;

const ROLES: readonly { role: DropInRole; unit: string }[] = [
  { role: "docker", unit: DOCKER.unit },
  { role: "ssm-agent", unit: SSM_AGENT.unit },
  { role: "ssm-agent", unit: SSM_AGENT.snapUnit },
];

export async function readDropIns(fs: HostFs): Promise<DropInFiles> {
  const paths = ROLES.map(({ unit }) => dropInPath(unit));
  const texts = await Promise.all(paths.map((path) => fs.readText(path)));
  return new Map(paths.map((path, index) => [path, texts[index]]));
}

/**
 * Which of the agent's own drop-ins may be removed when no proxy is configured: `any` (register, the operator's
 * explicit run) or only those written from the config (the daemon: a proxy an interactive `register` took from its
 * environment is not the daemon's to undo, as the daemon's environment rarely has one).
 */
export type RemovalScope = "any" | "config";

function removable(text: string | undefined, scope: RemovalScope): boolean {
  const source = dropInSource(text);
  return source !== undefined && (scope === "any" || source === "config");
}

/** Whether the agent converged a proxy here before that it now has to take away (its drop-ins say so). */
export function proxyToRemove(files: DropInFiles, scope: RemovalScope): boolean {
  return [...files.values()].some((text) => removable(text, scope));
}

/**
 * The drop-ins for `proxy` (pure): docker's, and the SSM agent's for the unit in use (`ssmUnit`, snap aware); the
 * agent's own file for the other SSM unit goes. Without a proxy, the agent's own files go and anybody else's
 * stay as they are.
 */
export function planDropIns(
  proxy: ProxySettings | undefined,
  files: DropInFiles,
  ssmUnit: string,
  scope: RemovalScope,
): DropInPlan[] {
  return ROLES.map(({ role, unit }) => {
    const path = dropInPath(unit);
    const current = files.get(path);
    let next = current;
    if (proxy !== undefined && role === "docker") next = dockerDropIn(proxy);
    else if (proxy !== undefined && unit === ssmUnit) next = ssmDropIn(proxy, unit);
    // The unit not in use (a switch between deb and snap), or no proxy at all: only the agent's own file goes.
    else if (removable(current, proxy === undefined ? scope : "any")) next = undefined;
    return { role, unit, path, current, next, changed: next !== current };
  });
}

/** A plan as lines for --dry-run and reports: the path, then a diff with every proxy password masked. */
export function describeDropIn(plan: DropInPlan, redactor: Redactor): string[] {
  const lines = (text: string | undefined) => (text ?? "").split("\n").filter((line) => line.trim() !== "");
  const before = lines(plan.current);
  const after = lines(plan.next);
  const shown = [
    ...before.filter((line) => !after.includes(line)).map((line) => `- ${line}`),
    ...after.filter((line) => !before.includes(line)).map((line) => `+ ${line}`),
  ];
  return shown.map((line) => redactor.scrub(maskUrlPassword(line, MASK)));
}

/** "write /etc/.../http-proxy.conf (0600)" or "remove ...". */
export function dropInAction(plan: DropInPlan): string {
  return plan.next === undefined ? `remove ${plan.path}` : `write ${plan.path} (0600)`;
}

/**
 * Writes (0600: it may hold a proxy password; systemd reads drop-ins as root) or removes the changed drop-ins, then
 * `daemon-reload` once and restarts each changed unit that runs, docker first (field notes §10.3, §10.4). A unit
 * that does not run picks the change up when it starts. Returns what was done.
 */
export async function applyDropIns(
  fs: HostFs,
  systemd: Pick<Systemd, "daemonReload" | "isActive" | "restart">,
  plans: readonly DropInPlan[],
): Promise<string[]> {
  const changed = plans.filter((plan) => plan.changed);
  if (changed.length === 0) return [];
  const done: string[] = [];
  for (const plan of changed) {
    if (plan.next === undefined) {
      await fs.remove(plan.path);
      done.push(`removed ${plan.path}`);
    } else {
      await fs.mkdir(plan.path.slice(0, -DROP_IN_NAME.length - 1), 0o755);
      await fs.writeFileAtomic(plan.path, plan.next, { mode: 0o600 });
      done.push(`wrote ${plan.path} (0600)`);
    }
  }
  await systemd.daemonReload();
  done.push("reloaded systemd");
  for (const unit of [...new Set(changed.map((plan) => plan.unit))]) {
    if (!(await systemd.isActive(unit))) continue;
    await systemd.restart(unit);
    done.push(`restarted ${unit}`);
  }
  return done;
}
