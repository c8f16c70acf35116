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
  /** True when systemd has the unit's file loaded (`show -p LoadState`), running or not. */
  isLoaded(unit: string): Promise<boolean>;
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
    stop: async (unit) => {
      if (!(await systemd.isActive(unit))) return;
      await mustSucceed("stopping", ["stop", unit], unit);
    },
    isLoaded: async (unit) => {
      const result = await call(["show", "--property=LoadState", `${unit}.service`]);
      return result.exitCode === 0 && /^LoadState=loaded$/m.test(result.stdout);
    },
  };
  return systemd;
}
