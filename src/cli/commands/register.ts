import { HostFs } from "../../adapters/host/fs.ts";
import { UsageError } from "../../errors.ts";
import { CHECK_NAMES, PREFLIGHT_CHECKS, runChecks } from "../../preflight/index.ts";
import { readSuppliedActivation } from "../../register/activation-source.ts";
import { checkEcsConfigInput, desiredKeys } from "../../register/ecs-config.ts";
import { scriptSource } from "../../register/install-script.ts";
import { acquireLock } from "../../register/lock.ts";
import { REGISTER_PHASES, register, SKIPPABLE_PHASES } from "../../register/register.ts";
import { renderRegisterReport } from "../../register/report.ts";
import { parseDuration } from "../../util/duration.ts";
import type { Context } from "../context.ts";
import { printJson } from "../io.ts";
import { buildHostContext } from "./host.ts";
import { awsFor, loadConfigFor, requireRegion } from "./shared.ts";

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
export default async function registerCommand(ctx: Context, options: RegisterOptions): Promise<number> {
  const config = loadConfigFor(ctx);
  const region = requireRegion(config);
  if (options.dockerInstallSource) {
    config.host.dockerInstallSource = options.dockerInstallSource as typeof config.host.dockerInstallSource;
  }
  const { phases, checks } = splitSkips(options.skip ?? []);
  const scriptTimeoutMs =
    seconds("--script-timeout", options.scriptTimeout, config.host.installScript.timeout) * 1000;
  const verifyTimeoutMs =
    seconds("--verify-timeout", options.verifyTimeout, config.host.verifyTimeout) * 1000;
  const lockTimeoutMs = seconds("--lock-timeout", options.lockTimeout, 60) * 1000;
  if (
    options.insecureKeyFingerprint !== undefined &&
    !/^[0-9A-Fa-f]{40}$/.test(options.insecureKeyFingerprint)
  ) {
    throw new UsageError("--insecure-key-fingerprint: must be a 40-hex-digit key fingerprint");
  }
  const supplied = await readSuppliedActivation(
    options,
    ctx.deps.env,
    new HostFs("/", ctx.deps.clock),
    ctx.redactor,
  );
  const { host, checkContext, warnings } = await buildHostContext(ctx, options, {
    skip: checks,
    dockerInstallSource: config.host.dockerInstallSource,
  });
  const source = scriptSource(config.host.installScript, {
    ...(options.installScriptUrl ? { url: options.installScriptUrl } : {}),
    ...(options.installScript ? { file: options.installScript } : {}),
    ...(options.installScriptSha256 ? { sha256: options.installScriptSha256 } : {}),
    ...(options.gpgKeyFile ? { gpgKeyFile: options.gpgKeyFile } : {}),
    ...(options.gpgKeyUrl ? { gpgKeyUrl: options.gpgKeyUrl } : {}),
    ...(options.insecureKeyFingerprint ? { fingerprint: options.insecureKeyFingerprint } : {}),
    insecureSkipVerify: options.insecureSkipVerify ?? false,
  });
  if (
    options.insecureKeyFingerprint &&
    options.insecureKeyFingerprint.toUpperCase() !== config.host.installScript.fingerprint
  ) {
    host.warn(
      `--insecure-key-fingerprint: trusting signing key ${options.insecureKeyFingerprint} instead of the pinned Amazon ECS key`,
    );
  }

  // Bad input must leave the host untouched (exit 2): checked before the lock creates its directory.
  await checkEcsConfigInput(host.fs, desiredKeys(config, config.cluster, region), host.redactor);
  const lock = ctx.dryRun
    ? undefined
    : await acquireLock(host.fs, host.system, host.clock, "register", lockTimeoutMs);
  try {
    const report = await register(
      {
        config,
        region,
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
        aws: memo(() => awsFor(ctx, config, region)),
        hasAwsCredentials: hasCredentials(ctx.deps.env, config.profile),
        preflight: (extra) =>
          runChecks(PREFLIGHT_CHECKS, { ...checkContext }, { skip: [...checks, ...extra] }),
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

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if (parsed === undefined || parsed <= 0)
    throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 90s, 15m)`);
  return parsed;
}

export function hasCredentials(
  env: Record<string, string | undefined>,
  profile: string | undefined,
): boolean {
  return Boolean(
    profile ||
      env.AWS_PROFILE ||
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    return value;
  };
}
