import { resolve } from "node:path";
import { HostFs } from "../../adapters/host/fs.ts";
import { buildHost } from "../../app/host-build.ts";
import {
  durationFlag,
  parseAwsTimeout,
  parseLockTimeout,
  parseMaxAttempts,
  requireReadableFile,
} from "../../app/settings.ts";
import { CHECK_NAMES, PREFLIGHT_CHECKS, runChecks } from "../../checks/index.ts";
import { lockFor } from "../../components/agent-state/lock.ts";
import { checkEcsConfigInput, desiredKeys } from "../../components/ecs-agent/config-files.ts";
import { scriptSource } from "../../components/install-script/obtain.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../../components/install-script/verify.ts";
import { resolveProxy } from "../../components/proxy/settings.ts";
import { UsageError } from "../../errors.ts";
import { readSuppliedActivation } from "../../flows/register/activation-source.ts";
import { REGISTER_PHASES, register, SKIPPABLE_PHASES } from "../../flows/register/register.ts";
import { renderRegisterReport } from "../../flows/register/report.ts";
import type { Context } from "../context.ts";
import { hostOptions, parseUrl } from "../host-flags.ts";
import { printJson } from "../io.ts";
import { configFlags } from "./check.ts";

export interface RegisterOptions {
  root?: string;
  ecsAgentUrl?: string;
  activationId?: string;
  activationCodeFile?: string;
  activationFile?: string;
  installScriptUrl?: string;
  installScript?: string;
  installScriptSha256?: string;
  gpgKeyFile?: string;
  gpgKeyUrl?: string;
  insecureKeyFingerprint?: string;
  insecureSkipVerify?: boolean;
  dockerInstallSource?: string;
  scriptTimeout?: string;
  verifyTimeout?: string;
  lockTimeout?: string;
  move?: boolean;
  deleteActivation?: boolean;
  skip?: string[];
}

/** `register`: turn this host into a verified ECS container instance; safe to re-run. */
export default async function registerCommand(ctx: Context, given: RegisterOptions): Promise<number> {
  // Operator files may be named relative to the working directory; from here on every path is absolute.
  const absolute = (file: string | undefined) => (file === undefined ? undefined : resolve(file));
  const options: RegisterOptions = {
    ...given,
    activationFile: absolute(given.activationFile),
    activationCodeFile: absolute(given.activationCodeFile),
    installScript: absolute(given.installScript),
    gpgKeyFile: absolute(given.gpgKeyFile),
  };
  const config = ctx.config(configFlags(options));
  // Read once, before the host is built: with no region configured, the one the activation file records is
  // used (the unit passes only the file). Its warnings join the host's below.
  const early: string[] = [];
  const supplied = await readSuppliedActivation(
    options,
    ctx.deps.env,
    new HostFs("/", ctx.clock),
    ctx.redactor,
    (message) => early.push(message),
  );
  const fileRegion =
    options.activationFile === undefined ? [] : [{ label: "--activation-file", region: supplied?.region }];
  const region = ctx.region(fileRegion);
  // AWS ports are built on first use, possibly after host writes: a bad --max-attempts must fail first.
  parseMaxAttempts(ctx.options);
  parseAwsTimeout(ctx.options);
  const { phases, checks } = splitSkips(options.skip ?? []);
  const scriptTimeoutMs =
    durationFlag("--script-timeout", options.scriptTimeout, config.host.installScript.timeout) * 1000;
  const verifyTimeoutMs =
    durationFlag("--verify-timeout", options.verifyTimeout, config.host.verifyTimeout) * 1000;
  const lockTimeoutMs = parseLockTimeout(options.lockTimeout);
  if (
    options.insecureKeyFingerprint !== undefined &&
    !/^[0-9A-Fa-f]{40}$/.test(options.insecureKeyFingerprint)
  ) {
    throw new UsageError("--insecure-key-fingerprint: must be a 40-hex-digit key fingerprint");
  }
  if (options.gpgKeyUrl !== undefined) parseUrl("--gpg-key-url", options.gpgKeyUrl);
  const { host, checks: checkContext, warnings } = await buildHost(ctx, hostOptions(options), region);
  for (const message of early) host.warn(message);
  const source = scriptSource(config.host.installScript, {
    ...(options.installScript ? { file: options.installScript } : {}),
    ...(options.installScriptSha256 ? { sha256: options.installScriptSha256 } : {}),
    ...(options.gpgKeyFile ? { gpgKeyFile: options.gpgKeyFile } : {}),
    ...(options.gpgKeyUrl ? { gpgKeyUrl: options.gpgKeyUrl } : {}),
    ...(options.insecureKeyFingerprint ? { fingerprint: options.insecureKeyFingerprint } : {}),
    insecureSkipVerify: options.insecureSkipVerify ?? false,
  });
  // Operator files named on the command line that this run would read: a missing one is bad input, found
  // before anything is called or written (not half-way, after a just-in-time activation exists).
  await requireReadableFile("--install-script", options.installScript);
  const keyFileUsed = !source.file && !source.insecureSkipVerify && !source.gpgKeyUrl;
  if (keyFileUsed) await requireReadableFile("--gpg-key-file", options.gpgKeyFile);
  // Whichever way a different key got trusted (flag or config file), the operator hears about it.
  if (source.fingerprint !== AMAZON_ECS_KEY_FINGERPRINT) {
    const origin = options.insecureKeyFingerprint
      ? "--insecure-key-fingerprint"
      : "host.installScript.fingerprint";
    host.warn(`${origin}: trusting signing key ${source.fingerprint} instead of the pinned Amazon ECS key`);
  }

  // The checks look at the script source this run uses: flags over config.
  const preflightContext = {
    ...checkContext,
    installScript: {
      ...checkContext.installScript,
      gpgKeyFile: source.gpgKeyFile,
      ...(source.gpgKeyUrl ? { gpgKeyUrl: source.gpgKeyUrl } : {}),
      fingerprint: source.fingerprint,
      insecureSkipVerify: source.insecureSkipVerify,
    },
  };

  // Bad input must leave the host untouched (exit 2): checked before the lock creates its directory.
  const proxy = resolveProxy(config, ctx.deps.env);
  await checkEcsConfigInput(host.fs, desiredKeys(config, region, proxy), host.redactor);
  const lock = await lockFor(host, "register", lockTimeoutMs, ctx.dryRun);
  try {
    const report = await register(
      {
        config,
        region,
        proxy,
        ...(supplied ? { supplied } : {}),
        source,
        move: options.move ?? false,
        deleteActivation: options.deleteActivation ?? false,
        dryRun: ctx.dryRun,
        skipPhases: new Set(phases),
        scriptTimeoutMs,
        verifyTimeoutMs,
      },
      {
        host,
        aws: () => ctx.aws(region),
        cleanupAws: () => ctx.cleanupAws(region),
        hasAwsCredentials: ctx.hasAwsCredentials(),
        preflight: (extra) =>
          runChecks(PREFLIGHT_CHECKS, preflightContext, { skip: [...checks, ...extra], signal: ctx.signal }),
      },
    );
    if (warnings.length > 0) report.warnings = warnings;
    if (ctx.output === "json") printJson(ctx.io, report);
    else ctx.io.out(renderRegisterReport(report));
    return 0;
  } finally {
    await lock?.release();
  }
}

/** `--skip` takes phase names and check names alike; both are validated before anything runs. */
export function splitSkips(names: string[]): { phases: string[]; checks: string[] } {
  const phases: string[] = [];
  const checks: string[] = [];
  for (const name of names
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter(Boolean)) {
    if ((SKIPPABLE_PHASES as readonly string[]).includes(name)) phases.push(name);
    else if (CHECK_NAMES.includes(name)) checks.push(name);
    else if ((REGISTER_PHASES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--skip: the ${name} phase cannot be skipped (skippable: ${SKIPPABLE_PHASES.join(", ")})`,
      );
    } else {
      throw new UsageError(
        `--skip: unknown phase or check "${name}" (phases: ${SKIPPABLE_PHASES.join(", ")}; checks: ${CHECK_NAMES.join(", ")})`,
      );
    }
  }
  return { phases, checks };
}
