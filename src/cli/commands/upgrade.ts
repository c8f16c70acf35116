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
import { defaultEcsBase, defaultSsmBase, VERSION_PATTERN } from "../../components/agent-packages/sources.ts";
import { SSM_AGENT_KEY_FINGERPRINT, SSM_AGENT_PUBLIC_KEY } from "../../components/agent-packages/ssm-key.ts";
import { lockFor } from "../../components/agent-state/lock.ts";
import { loadSigningKey, scriptSource } from "../../components/install-script/obtain.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../../components/install-script/verify.ts";
import { resolveProxy } from "../../components/proxy/settings.ts";
import { UsageError } from "../../errors.ts";
import { decideAwsAccess } from "../../flows/deregister/aws-access.ts";
import { recordedRegion } from "../../flows/deregister/observe.ts";
import type { UpgradeComponent } from "../../flows/upgrade/types.ts";
import { observeForUpgrade, renderUpgradeReport, upgrade } from "../../flows/upgrade/upgrade.ts";
import type { Context } from "../context.ts";
import { hostOptions, parseUrl, textFlag } from "../host-flags.ts";
import { printJson } from "../io.ts";

const COMPONENTS: readonly UpgradeComponent[] = ["ecs", "ssm", "all"];
const FINGERPRINT = /^[0-9A-Fa-f]{40}$/;

/**
 * `upgrade`: ecs-init and the ECS agent, and the SSM agent, from the buckets the install script uses, their
 * signatures verified (field notes §10.12, §10.13); drained first with --drain (field notes §10.14), verified
 * after, rolled back when the verification fails. Exit 0 upgraded or already current, 1 a step failed
 * (a rollback included), 2 bad input (nothing called or written).
 */
export default async function upgradeCommand(ctx: Context, raw: Record<string, unknown>): Promise<number> {
  const flag = (key: string, name: string) => textFlag(raw, key, name);
  const component = (flag("component", "--component") ?? "all") as UpgradeComponent;
  if (!COMPONENTS.includes(component)) {
    throw new UsageError(`--component: must be one of ${COMPONENTS.join(", ")}, not "${component}"`);
  }
  const config = ctx.config();
  // The version register installs (host.ecsVersion, default latest) is also the one upgrade goes to.
  const ecsVersion = versionFlag(
    "--ecs-version",
    flag("ecsVersion", "--ecs-version") ?? config.host.ecsVersion,
  );
  const ssmVersion = versionFlag("--ssm-version", flag("ssmVersion", "--ssm-version"));
  const ecsSource = flag("ecsSource", "--ecs-source");
  const ssmSource = flag("ssmSource", "--ssm-source");
  if (ecsSource !== undefined) parseUrl("--ecs-source", ecsSource);
  if (ssmSource !== undefined) parseUrl("--ssm-source", ssmSource);
  const gpgKeyFile = flag("gpgKeyFile", "--gpg-key-file");
  const gpgKeyUrl = flag("gpgKeyUrl", "--gpg-key-url");
  if (gpgKeyUrl !== undefined) parseUrl("--gpg-key-url", gpgKeyUrl);
  const ecsFingerprint = flag("insecureKeyFingerprint", "--insecure-key-fingerprint");
  const ssmKeyFile = flag("ssmGpgKeyFile", "--ssm-gpg-key-file");
  const ssmFingerprint = flag("insecureSsmKeyFingerprint", "--insecure-ssm-key-fingerprint");
  for (const [name, value] of [
    ["--insecure-key-fingerprint", ecsFingerprint],
    ["--insecure-ssm-key-fingerprint", ssmFingerprint],
  ] as const) {
    if (value !== undefined && !FINGERPRINT.test(value)) {
      throw new UsageError(`${name}: must be a 40-hex-digit key fingerprint`);
    }
  }
  if ((ssmKeyFile === undefined) !== (ssmFingerprint === undefined)) {
    throw new UsageError(
      "--ssm-gpg-key-file and --insecure-ssm-key-fingerprint go together: pass both or neither",
    );
  }
  const drainTimeoutMs = durationFlag("--drain-timeout", flag("drainTimeout", "--drain-timeout"), 600) * 1000;
  const verifyTimeoutMs =
    durationFlag("--verify-timeout", flag("verifyTimeout", "--verify-timeout"), config.host.verifyTimeout) *
    1000;
  const downloadTimeoutMs =
    durationFlag("--download-timeout", flag("downloadTimeout", "--download-timeout"), 600) * 1000;
  const lockTimeoutMs = parseLockTimeout(flag("lockTimeout", "--lock-timeout"));
  parseMaxAttempts(ctx.options);
  parseAwsTimeout(ctx.options);
  const absolute = (file: string | undefined) => (file === undefined ? undefined : resolve(file));
  await requireReadableFile("--gpg-key-file", absolute(gpgKeyFile));
  await requireReadableFile("--ssm-gpg-key-file", absolute(ssmKeyFile));

  const host0 = hostOptions({
    root: textFlag(raw, "root", "--root"),
    ecsAgentUrl: textFlag(raw, "ecsAgentUrl", "--ecs-agent-url"),
  });
  // field notes §4: the host records its region (state.json, the SSM registration file); flags and config win.
  const region =
    config.region ?? (await recordedRegion(new HostFs(host0.root ?? "/", ctx.clock))) ?? ctx.region();
  const { host } = await buildHost(ctx, host0, region);

  // The ecs-init package is signed with the key that signs the install script (field notes §1.2): same sources.
  const source = scriptSource(config.host.installScript, {
    ...(gpgKeyFile ? { gpgKeyFile: resolve(gpgKeyFile) } : {}),
    ...(gpgKeyUrl ? { gpgKeyUrl } : {}),
    ...(ecsFingerprint ? { fingerprint: ecsFingerprint } : {}),
  });
  if (source.fingerprint !== AMAZON_ECS_KEY_FINGERPRINT) {
    host.warn(`trusting signing key ${source.fingerprint} instead of the pinned Amazon ECS key for ecs-init`);
  }
  if (ssmFingerprint !== undefined && ssmFingerprint.toUpperCase() !== SSM_AGENT_KEY_FINGERPRINT) {
    host.warn(`trusting signing key ${ssmFingerprint.toUpperCase()} instead of the pinned SSM Agent key`);
  }
  // field notes §10.7: the key and the packages are downloaded through the host's proxy, as the AWS calls go.
  const proxy = resolveProxy(config, ctx.deps.env);
  const keyDeps = { files: host.files, timeoutMs: 60_000, signal: host.signal, proxy };
  const ecsKey = {
    armored: (await loadSigningKey(source, keyDeps)).toString("utf8"),
    fingerprint: source.fingerprint,
  };
  const ssmKey =
    ssmKeyFile === undefined || ssmFingerprint === undefined
      ? { armored: SSM_AGENT_PUBLIC_KEY, fingerprint: SSM_AGENT_KEY_FINGERPRINT }
      : {
          armored: (await host.files.readText(absolute(ssmKeyFile) as string)) ?? "",
          fingerprint: ssmFingerprint.toUpperCase(),
        };

  const lock = await lockFor(host, "upgrade", lockTimeoutMs, ctx.dryRun);
  try {
    const observed = await observeForUpgrade(host);
    const aws = decideAwsAccess({
      localOnly: raw.localOnly === true,
      hasCredentials: ctx.hasAwsCredentials(),
      region,
      ports: (callRegion) => ctx.aws(callRegion),
    });
    const report = await upgrade(
      {
        component,
        ecsVersion,
        ssmVersion,
        ecsSource: ecsSource ?? defaultEcsBase(region),
        ssmSource: ssmSource ?? defaultSsmBase(region),
        drain: raw.drain === true,
        drainTimeoutMs,
        verifyTimeoutMs,
        downloadTimeoutMs,
        proxy,
        rollback: raw.rollback !== false,
        dryRun: ctx.dryRun,
        ecsKey,
        ssmKey,
      },
      { host, aws, observed },
    );
    if (ctx.output === "json") printJson(ctx.io, report);
    else ctx.io.out(renderUpgradeReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await lock?.release();
  }
}

function versionFlag(name: string, value: string | undefined): string {
  if (value === undefined) return "latest";
  if (!VERSION_PATTERN.test(value)) {
    throw new UsageError(`${name}: must be latest or a version such as 1.90.0-1, not "${value}"`);
  }
  return value;
}
