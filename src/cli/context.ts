import type { AwsPorts } from "../adapters/aws/ports.ts";
import type { HostDeps } from "../adapters/host/system.ts";
import type { Config } from "../config/schema.ts";
import type { Clock } from "../util/clock.ts";
import type { Sinks } from "./io.ts";

/** What the process hands to the CLI; tests pass their own through the same door. */
export interface CliDeps extends Sinks {
  env: Record<string, string | undefined>;
  clock: Clock;
  /** Which streams are terminals (bin.ts); colour only there, and never with NO_COLOR. Absent: none is. */
  isTTY?: { stdout?: boolean; stderr?: boolean };
  /** The terminal's width in columns (bin.ts); text longer than that is wrapped on a terminal stream. */
  columns?: number;
  /** Fires on SIGINT/SIGTERM (bin.ts); commands cancel cleanly and exit 130/143. */
  signal?: AbortSignal;
  /** SIGHUP (bin.ts): the daemon reloads its config; returns the function that stops listening. */
  onReload?: (listener: () => void) => () => void;
  /** bin.ts: the V8 settings of a long-running daemon (src/daemon/runtime.ts), applied when `daemon` starts. */
  tuneDaemon?: () => void;
  /** Overrides how AWS ports are built (tests never need it: they point the real SDK at the emulator). */
  createAws?: (config: Config, region: string) => Promise<AwsPorts>;
  /** Overrides parts of the host (system facts, the exec function); tests run unprivileged in a temp ROOT. */
  host?: HostDeps;
}

export interface GlobalOptions {
  region?: string;
  cluster?: string;
  profile?: string;
  config?: string;
  output: string;
  dryRun?: boolean;
  logLevel: string;
  maxAttempts?: string;
  awsTimeout?: string;
}

export type { App as Context } from "../app/app.ts";
