import type { RunCommand } from "../adapters/host/exec.ts";
import type { HostFs } from "../adapters/host/fs.ts";
import type { IntrospectionClient } from "../adapters/host/introspection.ts";
import type { SystemInfo } from "../adapters/host/system.ts";
import type { Systemd } from "../adapters/host/systemd.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { Redactor } from "../util/redact.ts";

/** The host as register/deregister see it: every path under the root, every process through `run`. */
export interface HostContext {
  fs: HostFs;
  /** Files the operator names on the command line (paths as given). */
  files: HostFs;
  run: RunCommand;
  systemd: Systemd;
  introspection: IntrospectionClient;
  system: SystemInfo;
  clock: Clock;
  redactor: Redactor;
  /** The environment handed to child processes. */
  env: Record<string, string | undefined>;
  log: Logger;
  /** Fires on SIGINT/SIGTERM; every wait of the run takes it. */
  signal: AbortSignal;
  /** Live progress for humans (stderr in text mode); silent in JSON mode. */
  progress: (line: string) => void;
  /** A security-relevant warning: always on stderr, whatever the output format (and in the report). */
  warn: (message: string) => void;
  /** Test failpoints from ECS_ANYWHERE_FAILPOINTS (engine/failpoints.ts); empty or absent normally. */
  failpoints?: ReadonlySet<string>;
}
