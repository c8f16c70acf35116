import { stat } from "node:fs/promises";
import { run as realRun } from "../../adapters/host/exec.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { IntrospectionClient } from "../../adapters/host/introspection.ts";
import { type HostDeps, systemInfoWith } from "../../adapters/host/system.ts";
import { DEFAULT_INSTALL_SCRIPT_URL } from "../../checks/endpoints.ts";
import {
  type CheckContext,
  DOCKER_INSTALL_SOURCES,
  type DockerInstallSource,
  PREFLIGHT_CHECKS,
  runChecks,
} from "../../checks/index.ts";
import { checkDocument, renderChecks } from "../../checks/report.ts";
import { DOCKER } from "../../components/docker/files.ts";
import type { Config } from "../../config/schema.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { childEnvironment, loadConfigFor, requireRegion } from "./shared.ts";

const PROBE_TIMEOUT_MS = 5_000;

export interface CheckOptions {
  skip?: string[];
  root?: string;
  ecsAgentUrl?: string;
  dockerInstallSource?: string;
  installScriptUrl?: string;
  installScript?: string;
  installScriptSha256?: string;
}

/**
 * `check`: every preflight check against this host (or a --root), all of them even when some fail.
 * Exit 1 when any check fails; warnings alone exit 0.
 */
export default async function check(ctx: Context, raw: Record<string, unknown> = {}): Promise<number> {
  const options = readOptions(raw);
  const checkContext = await buildCheckContext(ctx, options);
  const results = await runChecks(PREFLIGHT_CHECKS, checkContext, { skip: options.skip ?? [] });
  for (const result of results)
    ctx.log.debug({ check: result.name, status: result.status }, "check finished");
  if (ctx.output === "json") printJson(ctx.io, checkDocument(results));
  else ctx.io.out(renderChecks(results));
  return results.some((result) => result.status === "fail") ? 1 : 0;
}

/** Commander's camel-cased options, type-checked (tests call this function directly). */
export function readOptions(raw: Record<string, unknown>): CheckOptions {
  const text = (key: keyof CheckOptions, flag: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || typeof value === "string") return value;
    throw new UsageError(`${flag}: expects one value`);
  };
  const skip = raw.skip ?? [];
  const names = (Array.isArray(skip) ? skip : [skip]).flatMap((item) => String(item).split(","));
  return {
    skip: names.map((name) => name.trim()).filter((name) => name !== ""),
    root: text("root", "--root"),
    ecsAgentUrl: text("ecsAgentUrl", "--ecs-agent-url"),
    dockerInstallSource: text("dockerInstallSource", "--docker-install-source"),
    installScriptUrl: text("installScriptUrl", "--install-script-url"),
    installScript: text("installScript", "--install-script"),
    installScriptSha256: text("installScriptSha256", "--install-script-sha256"),
  };
}

/** `loaded`: the config and region the command already resolved (loaded here otherwise). */
export async function buildCheckContext(
  ctx: Context,
  options: CheckOptions,
  loaded?: { config: Config; region: string },
): Promise<CheckContext> {
  const dockerInstallSource = parseDockerSource(options.dockerInstallSource);
  const installScriptUrl = parseUrl(
    "--install-script-url",
    options.installScriptUrl ?? DEFAULT_INSTALL_SCRIPT_URL,
  );
  const ecsAgentUrl =
    options.ecsAgentUrl === undefined ? undefined : parseUrl("--ecs-agent-url", options.ecsAgentUrl);
  const sha256 = options.installScriptSha256;
  if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new UsageError("--install-script-sha256: must be 64 hexadecimal characters");
  }
  if ((sha256 === undefined) !== (options.installScript === undefined)) {
    throw new UsageError("--install-script and --install-script-sha256 go together: pass both or neither");
  }
  const config = loaded?.config ?? loadConfigFor(ctx);
  const region = loaded?.region ?? requireRegion(config);
  const fs = new HostFs(options.root ?? "/", ctx.deps.clock);
  await requireDirectory(fs.root, options.root);
  // Until CliDeps declares it, `host` is read structurally; tests inject fakes through it.
  const host: HostDeps = ctx.deps.host ?? {};
  const exec = host.run ?? realRun;
  return {
    fs,
    system: systemInfoWith(fs, host.system),
    // Child processes see the operator's environment as the CLI was given it (tests pass their own), minus
    // credentials and secrets, whatever a caller adds: this is the one place that decides.
    run: (cmd, args, runOptions) =>
      exec(cmd, args, {
        ...runOptions,
        env: childEnvironment({ ...ctx.deps.env, ...runOptions.env }),
        replaceEnv: true,
      }),
    redactor: ctx.redactor,
    clock: ctx.deps.clock,
    env: ctx.deps.env,
    region,
    cluster: config.cluster,
    dockerInstallSource,
    installScript: {
      url: installScriptUrl,
      ...(options.installScript === undefined ? {} : { file: options.installScript }),
      ...(sha256 === undefined ? {} : { sha256: sha256.toLowerCase() }),
    },
    introspection: new IntrospectionClient(ecsAgentUrl, PROBE_TIMEOUT_MS),
    dockerSocket: fs.resolve(DOCKER.socket),
    timeoutMs: PROBE_TIMEOUT_MS,
  };
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

function parseDockerSource(value: string | undefined): DockerInstallSource {
  if (value === undefined) return "all"; // facts §1: the install script's default
  if ((DOCKER_INSTALL_SOURCES as readonly string[]).includes(value)) return value as DockerInstallSource;
  throw new UsageError(`--docker-install-source: must be one of ${DOCKER_INSTALL_SOURCES.join(", ")}`);
}

export function parseUrl(flag: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag}: must be an http:// or https:// URL`);
}
