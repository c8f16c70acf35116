import type { AwsPorts } from "../adapters/aws/ports.ts";
import type { HostDeps } from "../adapters/host/system.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import { LOG_LEVELS, type LogLevel } from "../util/log-levels.ts";
import { createLogger, type Logger } from "../util/logger.ts";
import { Redactor } from "../util/redact.ts";
import { createIo, type Io, type OutputFormat, type Sinks } from "./io.ts";

/** What the composition root hands to the CLI; tests pass their own through the same door. */
export interface CliDeps extends Sinks {
  env: Record<string, string | undefined>;
  clock: Clock;
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
}

export interface Context {
  deps: CliDeps;
  options: GlobalOptions;
  output: OutputFormat;
  dryRun: boolean;
  redactor: Redactor;
  io: Io;
  log: Logger;
}

export function createContext(deps: CliDeps, options: GlobalOptions): Context {
  const redactor = new Redactor();
  redactor.add(deps.env.AWS_SECRET_ACCESS_KEY);
  redactor.add(deps.env.AWS_SESSION_TOKEN);
  redactor.add(deps.env.ECS_ANYWHERE_ACTIVATION_CODE);
  if (options.output !== "text" && options.output !== "json") {
    throw new UsageError(`--output: must be text or json, not "${options.output}"`);
  }
  if (!(LOG_LEVELS as readonly string[]).includes(options.logLevel)) {
    throw new UsageError(`--log-level: must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const io = createIo(deps, redactor);
  const log = createLogger(options.logLevel as LogLevel, redactor, (line) => deps.stderr(line));
  return { deps, options, output: options.output, dryRun: options.dryRun ?? false, redactor, io, log };
}
