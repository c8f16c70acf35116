import { OperationError } from "../../errors.ts";
import type { Redactor } from "../../util/redact.ts";
import type { RunCommand, RunResult } from "./exec.ts";

/** The units the agent manages, through systemctl. Every method is safe to repeat. */
export interface Systemd {
  /** True when the unit is running (`is-active`); false for inactive, failed or unknown units. */
  isActive(unit: string): Promise<boolean>;
  /** True when the unit starts at boot (`is-enabled`: enabled, static, alias, ...). */
  isEnabled(unit: string): Promise<boolean>;
  /** Already enabled: a no-op success. */
  enable(unit: string): Promise<void>;
  /** Already disabled: a no-op success. */
  disable(unit: string): Promise<void>;
  /** Already running: a no-op success (systemctl's own semantics). */
  start(unit: string): Promise<void>;
  /** Starts the unit when it is stopped. */
  restart(unit: string): Promise<void>;
  /** Already stopped, or not installed: a no-op success, systemctl is not even called. */
  stop(unit: string): Promise<void>;
  /** `daemon-reload`: systemd reads unit files and drop-ins again (after one was written or removed). */
  daemonReload(): Promise<void>;
  /** True when systemd has the unit's file loaded (`show -p LoadState`), running or not. */
  isLoaded(unit: string): Promise<boolean>;
  /**
   * Load and active state of several units from ONE `systemctl show` (a probe pass asks once, not per unit).
   * Throws a SystemdError when systemctl fails or its answer does not hold one block per unit.
   */
  states(units: readonly string[]): Promise<Map<string, UnitState>>;
}

/** What `systemctl show -p LoadState,ActiveState` says of one unit. */
export interface UnitState {
  /** systemd has the unit file loaded (LoadState=loaded). */
  loaded: boolean;
  /** Running: ActiveState active or reloading, what `is-active` exits 0 for. */
  active: boolean;
  activeState: string;
}

/** A systemctl call that failed; the message says what was being done ("restarting ecs: <stderr>"). */
export class SystemdError extends OperationError {
  override readonly name = "SystemdError";
  constructor(
    readonly action: string,
    readonly unit: string | undefined,
    readonly result: RunResult,
  ) {
    const doing = unit === undefined ? action : `${action} ${unit}`;
    const why = result.timedOut
      ? "systemctl timed out"
      : result.stderr.trim().split("\n")[0] || `systemctl exited with ${result.exitCode}`;
    const status = unit === undefined ? "systemctl --failed" : `systemctl status ${unit}`;
    super(`${doing}: ${why}`, { remediation: `see \`${status}\` and \`journalctl -xe\` for details` });
  }
}

export interface SystemdOptions {
  run: RunCommand;
  redactor: Redactor;
  /** Per systemctl call; start/restart wait for the unit, so this is generous. */
  timeoutMs?: number;
  systemctl?: string;
}

export function createSystemd(options: SystemdOptions): Systemd {
  const systemctl = options.systemctl ?? "systemctl";
  const call = (args: string[]) =>
    options.run(systemctl, args, { timeoutMs: options.timeoutMs ?? 90_000, redactor: options.redactor });
  const mustSucceed = async (action: string, args: string[], unit?: string) => {
    const result = await call(args);
    if (result.exitCode !== 0 || result.timedOut) throw new SystemdError(action, unit, result);
  };
  const succeeds = async (args: string[]) => (await call(args)).exitCode === 0;

  const systemd: Systemd = {
    isActive: (unit) => succeeds(["is-active", "--quiet", unit]),
    isEnabled: (unit) => succeeds(["is-enabled", "--quiet", unit]),
    enable: (unit) => mustSucceed("enabling", ["enable", unit], unit),
    disable: (unit) => mustSucceed("disabling", ["disable", unit], unit),
    start: (unit) => mustSucceed("starting", ["start", unit], unit),
    restart: (unit) => mustSucceed("restarting", ["restart", unit], unit),
    daemonReload: () => mustSucceed("reloading the unit files", ["daemon-reload"]),
    stop: async (unit) => {
      if (!(await systemd.isActive(unit))) return;
      await mustSucceed("stopping", ["stop", unit], unit);
    },
    isLoaded: async (unit) => {
      const result = await call(["show", "--property=LoadState", `${unit}.service`]);
      return result.exitCode === 0 && /^LoadState=loaded$/m.test(result.stdout);
    },
    states: async (units) => {
      const result = await call(["show", "--property=LoadState,ActiveState", ...units.map(serviceName)]);
      if (result.exitCode !== 0 || result.timedOut)
        throw new SystemdError("reading the state of", units.join(" "), result);
      const states = parseShow(result.stdout, units);
      if (states === undefined) {
        throw new SystemdError("reading the state of", units.join(" "), {
          ...result,
          stderr: `systemctl show answered ${JSON.stringify(result.stdout.slice(0, 200))}, not one block per unit`,
        });
      }
      return states;
    },
  };
  return systemd;
}

/** "ecs" -> "ecs.service"; a name with its type already ("docker.socket") stays as it is. */
const serviceName = (unit: string) =>
  /\.(service|socket|target|timer|mount|path|slice|scope)$/.test(unit) ? unit : `${unit}.service`;

/**
 * `systemctl show` of several units: one block of KEY=VALUE lines per unit, in the order asked, separated by an
 * empty line. A unit systemd does not know still gets a block (LoadState=not-found). The order is what maps a block
 * to its unit (an alias shows its target's Id). Undefined when the answer does not hold one block per unit.
 */
export function parseShow(stdout: string, units: readonly string[]): Map<string, UnitState> | undefined {
  const blocks = stdout
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== "");
  if (blocks.length !== units.length) return undefined;
  const states = new Map<string, UnitState>();
  for (const [index, block] of blocks.entries()) {
    const unit = units[index] as string;
    const props = new Map<string, string>();
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    const activeState = props.get("ActiveState");
    if (activeState === undefined) return undefined;
    states.set(unit, {
      loaded: props.get("LoadState") === "loaded",
      active: activeState === "active" || activeState === "reloading",
      activeState,
    });
  }
  return states;
}
