import { stat } from "node:fs/promises";
import { run as realRun } from "../adapters/host/exec.ts";
import { HostFs } from "../adapters/host/fs.ts";
import { IntrospectionClient } from "../adapters/host/introspection.ts";
import { type HostDeps, systemInfoWith } from "../adapters/host/system.ts";
import { createSystemd } from "../adapters/host/systemd.ts";
import type { CheckContext, InstallScriptChoice } from "../checks/index.ts";
import { DOCKER } from "../components/docker/files.ts";
import { resolveProxy } from "../components/proxy/settings.ts";
import { failpointsOf } from "../engine/failpoints.ts";
import { UsageError } from "../errors.ts";
import type { App } from "./app.ts";
import { childEnvironment } from "./child-env.ts";
import type { HostContext } from "./host.ts";

const PROBE_TIMEOUT_MS = 5_000;

/** Where the host is: a root prefix (tests, images) and the ECS agent's introspection API. */
export interface HostOptions {
  root?: string;
  ecsAgentUrl?: string;
  /** check only: a local copy of the install script to look at instead of the configured URL. */
  installScript?: Omit<InstallScriptChoice, "url">;
}

export interface Host {
  host: HostContext;
  /** What the preflight checks read, from the same adapters and the resolved config. */
  checks: CheckContext;
  /** Security-relevant warnings printed so far (also in the command's report). */
  warnings: string[];
}

/**
 * The host as every command uses it: every path under the root, every process through the one exec adapter
 * with the operator's environment minus credentials, every wait and request on the app's signal. The check
 * inputs come from the resolved config (install script URL, Docker install source), never from defaults.
 */
export async function buildHost(app: App, options: HostOptions, region = app.region()): Promise<Host> {
  const config = app.config();
  const fs = new HostFs(options.root ?? "/", app.clock);
  await requireDirectory(fs.root, options.root);
  // Tests inject fakes (system facts, the exec function) through the same door.
  const overrides: HostDeps = app.deps.host ?? {};
  const exec = overrides.run ?? realRun;
  // Child processes see the operator's environment as the CLI was given it, minus credentials and secrets,
  // whatever a caller adds: this is the one place that decides.
  const run: HostContext["run"] = (cmd, args, runOptions) =>
    exec(cmd, args, {
      ...runOptions,
      env: childEnvironment({ ...app.deps.env, ...runOptions.env }),
      replaceEnv: true,
      signal: runOptions.signal ?? app.signal,
    });
  const introspection = new IntrospectionClient(options.ecsAgentUrl, PROBE_TIMEOUT_MS, app.signal);
  const system = systemInfoWith(fs, overrides.system);
  const warnings: string[] = [];
  // field notes §10.7: the preflight probes reach AWS the way the agent's own calls do.
  const proxy = resolveProxy(config, app.deps.env);
  const host: HostContext = {
    fs,
    files: new HostFs("/", app.clock),
    run,
    systemd: createSystemd({ run, redactor: app.redactor }),
    introspection,
    system,
    clock: app.clock,
    redactor: app.redactor,
    env: childEnvironment(app.deps.env),
    log: app.log,
    signal: app.signal,
    progress: app.progress,
    warn: (message) => {
      warnings.push(message);
      app.io.err(`WARNING: ${message}`);
    },
    failpoints: failpointsOf(app.deps.env),
  };
  const checks: CheckContext = {
    fs,
    system,
    run,
    redactor: app.redactor,
    clock: app.clock,
    env: app.deps.env,
    region,
    endpoints: config.endpoints,
    cluster: config.cluster,
    dockerInstallSource: config.host.dockerInstallSource,
    enableGpu: config.host.enableGpu,
    files: host.files,
    installScript: {
      url: config.host.installScript.url,
      gpgKeyFile: config.host.installScript.gpgKeyFile,
      ...(config.host.installScript.gpgKeyUrl ? { gpgKeyUrl: config.host.installScript.gpgKeyUrl } : {}),
      fingerprint: config.host.installScript.fingerprint,
      ...options.installScript,
    },
    introspection,
    dockerSocket: fs.resolve(DOCKER.socket),
    timeoutMs: PROBE_TIMEOUT_MS,
    ...(proxy === undefined ? {} : { proxy }),
  };
  return { host, checks, warnings };
}

/** --root must name a directory: a file or an unreadable path is bad input (exit 2), not a failure later on. */
async function requireDirectory(real: string, flag: string | undefined): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(real)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new UsageError(`--root: no such directory: ${flag}`);
    throw new UsageError(`--root: cannot read ${flag} (${code ?? String(error)})`);
  }
  if (!isDirectory) throw new UsageError(`--root: not a directory: ${flag}`);
}
