import type { AwsPorts } from "../adapters/aws/ports.ts";
import type { CliDeps, GlobalOptions } from "../cli/context.ts";
import { createIo, type Io, type OutputFormat, withEscapedOutput } from "../cli/io.ts";
import { proxySecrets, resolveProxy } from "../components/proxy/settings.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import { LOG_LEVELS, type LogLevel } from "../util/log-levels.ts";
import { createLogger, type Logger } from "../util/logger.ts";
import type { ProgressSink } from "../util/progress.ts";
import { Redactor } from "../util/redact.ts";
import {
  awsFor,
  type ConfigFlags,
  hasCredentials,
  loadConfigFor,
  type RegionSource,
  requireRegion,
} from "./settings.ts";

/**
 * The composition root of one process: built once from the resolved settings, handed to every command
 * (and later the daemon). It owns the clock, the redactor, the logger, the output door, the cancellation
 * signal, the config (loaded once, never mutated) and the AWS ports (built on first use, per region).
 */
export interface App {
  readonly deps: CliDeps;
  readonly options: GlobalOptions;
  readonly output: OutputFormat;
  readonly dryRun: boolean;
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly io: Io;
  readonly log: Logger;
  /** Where waits say how long they have waited: stderr in text mode, an info log line in JSON mode. */
  readonly progress: ProgressSink;
  /** Fires on SIGINT/SIGTERM: every wait, exec, HTTP request and AWS call of the run stops. */
  readonly signal: AbortSignal;
  /** The resolved config: flags > environment > file > defaults. `flags` only on the first call. */
  config(flags?: ConfigFlags): Config;
  /** The region of the run, or a usage error naming where it could be set. */
  /** The region, else one of `more` (e.g. the region an --activation-file records): see requireRegion. */
  region(more?: readonly RegionSource[]): string;
  hasAwsCredentials(): boolean;
  /**
   * The AWS ports for a region (the config's by default); the SDK is loaded on the first call. `paced`: ports that
   * pace each service's calls once it throttles (for many calls to one service, adapters/aws/pacing.ts).
   */
  aws(region?: string, options?: { paced?: boolean }): Promise<AwsPorts>;
  /**
   * Ports for cleaning up after a cancellation (deleting a just-in-time activation): not tied to the
   * cancelled signal, and bounded in time instead.
   */
  cleanupAws(region?: string): Promise<AwsPorts>;
}

function safeEnvProxy(env: Record<string, string | undefined>) {
  try {
    return resolveProxy({}, env);
  } catch {
    return undefined;
  }
}

/** How long cleanup after a cancellation may talk to AWS before giving up. */
const CLEANUP_MS = 20_000;

export function createApp(rawDeps: CliDeps, options: GlobalOptions): App {
  const deps = withEscapedOutput(rawDeps);
  const redactor = new Redactor();
  redactor.add(deps.env.AWS_SECRET_ACCESS_KEY);
  redactor.add(deps.env.AWS_SESSION_TOKEN);
  redactor.add(deps.env.ECS_ANYWHERE_ACTIVATION_CODE);
  if (options.output !== "text" && options.output !== "json") {
    throw new UsageError(`--output: must be text or json, not "${options.output}"`);
  }
  if (!(LOG_LEVELS as readonly string[]).includes(options.logLevel)) {
    throw new UsageError(
      `--log-level (or ECS_ANYWHERE_LOG_LEVEL): must be one of ${LOG_LEVELS.join(", ")}, not "${options.logLevel}"`,
    );
  }
  const io = createIo(deps, redactor);
  const log = createLogger(options.logLevel as LogLevel, redactor, (line) => deps.stderr(line));
  let config: Config | undefined;
  const ports = new Map<string, Promise<AwsPorts>>();
  const app: App = {
    deps,
    options,
    output: options.output,
    dryRun: options.dryRun ?? false,
    clock: deps.clock,
    redactor,
    io,
    log,
    progress: (line) => (options.output === "text" ? io.err(line) : log.info({ line }, "progress")),
    signal: deps.signal ?? new AbortController().signal,
    config(flags) {
      if (config === undefined) {
        const loaded = loadConfigFor(deps.env, options, flags);
        // Proxy credentials (the config's and the environment's: child processes inherit the latter) are secrets
        // from the moment they are read. A malformed proxy variable is reported by the command that uses the proxy.
        for (const proxy of [resolveProxy(loaded, {}), safeEnvProxy(deps.env)]) {
          for (const secret of proxySecrets(proxy)) redactor.add(secret);
        }
        config = loaded;
      }
      return config;
    },
    region: (more = []) => requireRegion(app.config(), deps.env, more),
    hasAwsCredentials: () => hasCredentials(deps.env, app.config().profile),
    aws(region, options) {
      const name = region ?? app.region();
      const paced = options?.paced === true;
      const key = `${name}${paced ? " paced" : ""}`;
      let made = ports.get(key);
      if (made === undefined) {
        made = awsFor(app, app.config(), name, app.signal, paced);
        ports.set(key, made);
      }
      return made;
    },
    cleanupAws: (region) =>
      awsFor(app, app.config(), region ?? app.region(), AbortSignal.timeout(CLEANUP_MS)),
  };
  return app;
}
