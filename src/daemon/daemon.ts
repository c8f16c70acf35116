import { setMaxListeners } from "node:events";
import { judgeRegistration } from "../adapters/host/introspection.ts";
import type { App } from "../app/app.ts";
import { buildHost, type HostOptions } from "../app/host-build.ts";
import { loadConfigFor } from "../app/settings.ts";
import type { Config } from "../config/schema.ts";
import { describeError } from "../errors.ts";
import { configuredRegion, daemonRegion, probeContexts } from "./context.ts";
import { ProbeLoop } from "./loop.ts";
import { MemoryTrim, processMemory } from "./memory-trim.ts";
import { DaemonMetrics } from "./metrics.ts";
import { createNotifier } from "./notify.ts";
import { PROBES } from "./probes.ts";
import { RepairPolicy } from "./repair.ts";
import { parseListen, startHealthServer } from "./server.ts";
import { readToken } from "./token.ts";

/** How long SIGTERM may take: below the unit's TimeoutStopSec (systemd/ecs-anywhere-agent.service). */
export const SHUTDOWN_DEADLINE_MS = 10_000;

export interface DaemonOptions extends HostOptions {
  listen?: string;
  /** Register an unregistered host first (the register command with these options). */
  registerOnStart?: () => Promise<number>;
  version: string;
  /** SIGHUP (bin.ts); tests fire it themselves. */
  onReload?: (listener: () => void) => () => void;
  /** Test failpoints (field notes §9), from ECS_ANYWHERE_FAILPOINTS. */
  failpoints?: ReadonlySet<string>;
}

/**
 * `daemon`: probe the host every `health.interval`, repair drift conservatively, serve /livez /readyz /status
 * /metrics, and tell systemd (READY=1, STATUS=, WATCHDOG=1, STOPPING=1). Runs until SIGTERM/SIGINT (exit 0);
 * a fatal error is logged and exits 1 so that systemd restarts it.
 */
export async function runDaemon(app: App, options: DaemonOptions): Promise<number> {
  const { log, clock } = app;
  let config = app.config();
  const listen = parseListen(
    options.listen ?? config.health.listen,
    options.listen ? "--listen" : "health.listen",
    true,
  );
  let token = await readToken(app, config);
  const host = await buildHost(app, options, configuredRegion(app) ?? "");

  if (options.registerOnStart) {
    const metadata = await host.host.introspection.metadata();
    if (judgeRegistration(metadata, config.cluster) !== undefined) {
      log.info({ cluster: config.cluster }, "not registered: registering first (--register-on-start)");
      const code = await options.registerOnStart();
      if (code !== 0)
        log.error({ exitCode: code }, "registration on start failed; probing and serving anyway");
    }
  }

  const region = await daemonRegion(app, host);
  const metrics = new DaemonMetrics({
    version: options.version,
    controlPlane: config.health.controlPlane,
    clock,
  });
  const loop = new ProbeLoop(
    { config, context: probeContexts(app, host, config, region) },
    {
      probes: PROBES,
      clock,
      log,
      metrics,
      policy: new RepairPolicy({ perHour: config.health.maxRepairsPerHour }),
      version: options.version,
      ...(options.failpoints ? { failpoints: options.failpoints } : {}),
    },
  );
  const notifier = createNotifier(app.deps.env, log);
  const trim = new MemoryTrim(processMemory());
  const stop = new AbortController();
  // Every probe of a pass listens on it at once (withTimeout, probe-timeout.ts): more than Node's default of 10 is
  // no leak, and the warning would land in the journal on every start.
  setMaxListeners(2 * PROBES.length, stop.signal);
  const onStop = () => stop.abort(app.signal.reason);
  app.signal.addEventListener("abort", onStop, { once: true });

  const first = await loop.pass(stop.signal);
  const server = await startHealthServer({
    source: { status: () => loop.status(), metrics: () => metrics.render() },
    host: listen.host,
    port: listen.port,
    ...(token === undefined ? {} : { token }),
    log,
  });
  log.info({ listen: `${server.address.host}:${server.address.port}`, region }, "serving");
  await notifier.ready(first.summary);

  let stopWatchdog = () => {};
  if (notifier.watchdogIntervalMs !== undefined && clock.every !== undefined) {
    stopWatchdog = clock.every(notifier.watchdogIntervalMs, () => {
      if (loop.progressing(clock.now().getTime())) void notifier.watchdog();
      else log.warn({ stallMs: loop.stallMs() }, "the probe loop makes no progress: watchdog not pinged");
    });
    log.info({ everyMs: notifier.watchdogIntervalMs, stallMs: loop.stallMs() }, "watchdog pings on");
  }

  const reload = async () => {
    try {
      const next: Config = loadConfigFor(app.deps.env, app.options);
      const nextToken = await readToken(app, next);
      if (next.health.listen !== config.health.listen && options.listen === undefined) {
        log.warn({ listen: next.health.listen }, "health.listen changed: takes effect on restart");
      }
      config = next;
      token = nextToken;
      server.setToken(token);
      loop.reconfigure({ config, context: probeContexts(app, host, config, region) });
      log.info({ interval: config.health.interval }, "config reloaded");
    } catch (error) {
      log.error({ error: describeError(error) }, "config reload failed: keeping the running config");
    }
  };
  const stopReload = options.onReload?.(() => void reload()) ?? (() => {});

  try {
    await loop.run(stop.signal, (status) => {
      void notifier.status(status.summary);
      void trim.afterPass().then(
        (trimmed) => {
          if (trimmed === undefined) return;
          const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
          log.debug({ beforeMb: mb(trimmed.beforeBytes), afterMb: mb(trimmed.afterBytes) }, "memory trimmed");
        },
        (error: unknown) => log.warn({ error: describeError(error) }, "memory trim failed"),
      );
    });
  } catch (error) {
    log.error({ error: describeError(error) }, "the probe loop failed");
    return 1;
  } finally {
    stopReload();
    stopWatchdog();
    app.signal.removeEventListener("abort", onStop);
  }
  // Stopping: say so, let the pass in flight end, close the server, all within the deadline.
  const deadline = clock.now().getTime() + SHUTDOWN_DEADLINE_MS;
  await notifier.stopping();
  await server.close(Math.max(0, deadline - clock.now().getTime()));
  log.info({ reason: String(app.signal.reason ?? "stop") }, "stopped");
  return 0;
}
