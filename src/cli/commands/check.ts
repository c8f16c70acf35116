import { resolve } from "node:path";
import { buildHost } from "../../app/host-build.ts";
import { DOCKER_INSTALL_SOURCES, PREFLIGHT_CHECKS, runChecks } from "../../checks/index.ts";
import { checkDocument, renderChecks } from "../../checks/report.ts";
import { UsageError } from "../../errors.ts";
import type { Context } from "../context.ts";
import { hostOptions, parseUrl } from "../host-flags.ts";
import { printJson } from "../io.ts";

export interface CheckOptions {
  skip?: string[];
  root?: string;
  ecsAgentUrl?: string;
  dockerInstallSource?: string;
  installScriptUrl?: string;
  installScript?: string;
  installScriptSha256?: string;
  gpgKeyFile?: string;
  gpgKeyUrl?: string;
  insecureKeyFingerprint?: string;
}

/**
 * `check`: every preflight check against this host (or a --root), all of them even when some fail.
 * Exit 1 when any check fails; warnings alone exit 0.
 */
export default async function check(ctx: Context, raw: Record<string, unknown> = {}): Promise<number> {
  const options = readOptions(raw);
  ctx.config(configFlags(options));
  if (options.gpgKeyUrl !== undefined) parseUrl("--gpg-key-url", options.gpgKeyUrl);
  const { checks } = await buildHost(ctx, hostOptions(options));
  const fingerprint = options.insecureKeyFingerprint;
  if (fingerprint !== undefined && !/^[0-9A-Fa-f]{40}$/.test(fingerprint)) {
    throw new UsageError("--insecure-key-fingerprint: must be a 40-hex-digit key fingerprint");
  }
  const key = {
    ...(options.gpgKeyFile === undefined ? {} : { gpgKeyFile: resolve(options.gpgKeyFile) }),
    ...(options.gpgKeyUrl === undefined ? {} : { gpgKeyUrl: options.gpgKeyUrl }),
    ...(fingerprint === undefined ? {} : { fingerprint: fingerprint.toUpperCase() }),
  };
  const context = { ...checks, installScript: { ...checks.installScript, ...key } };
  const results = await runChecks(PREFLIGHT_CHECKS, context, {
    skip: options.skip ?? [],
    signal: ctx.signal,
  });
  if (ctx.output === "json") printJson(ctx.io, checkDocument(results));
  else ctx.io.out(renderChecks(results));
  return results.some((result) => result.status === "failed") ? 1 : 0;
}

/** Flags that are config values too: they land in the resolved config, which nothing mutates afterwards. */
export function configFlags(options: Pick<CheckOptions, "dockerInstallSource" | "installScriptUrl">) {
  if (options.installScriptUrl !== undefined) parseUrl("--install-script-url", options.installScriptUrl);
  if (
    options.dockerInstallSource !== undefined &&
    !(DOCKER_INSTALL_SOURCES as readonly string[]).includes(options.dockerInstallSource)
  ) {
    throw new UsageError(`--docker-install-source: must be one of ${DOCKER_INSTALL_SOURCES.join(", ")}`);
  }
  return {
    ...(options.dockerInstallSource === undefined
      ? {}
      : { dockerInstallSource: options.dockerInstallSource }),
    ...(options.installScriptUrl === undefined ? {} : { installScriptUrl: options.installScriptUrl }),
  };
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
    gpgKeyFile: text("gpgKeyFile", "--gpg-key-file"),
    gpgKeyUrl: text("gpgKeyUrl", "--gpg-key-url"),
    insecureKeyFingerprint: text("insecureKeyFingerprint", "--insecure-key-fingerprint"),
  };
}
