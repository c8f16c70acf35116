import { proxyVariables } from "../../checks/proxy.ts";
import { DOCKER } from "../../components/docker/files.ts";
import { ECS_CONFIG_FILES } from "../../components/ecs-agent/files.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { OperationError } from "../../errors.ts";
import type { Redactor } from "../../util/redact.ts";
import { maskSecretsIn, type ScanResult, unmaskedFindings } from "../../util/secret-scan.ts";
import { type TarEntry, tarGz } from "../../util/tar.ts";
import {
  type CollectContext,
  type Collection,
  type Collector,
  collectAll,
  type NotCollected,
} from "./collect.ts";
import { observeBundleHost } from "./facts.ts";
import { learnSecrets } from "./redact-files.ts";

/** Host files read only to learn their secrets (never put in the bundle), so those are masked wherever they show. */
const SECRET_SOURCES = [
  ...ECS_CONFIG_FILES,
  SSM_AGENT.credentials,
  SSM_AGENT.registrationKey,
  DOCKER.daemonJson,
  SSM_AGENT.config,
] as const;
const DROP_IN_UNITS = ["docker", "ecs", SSM_AGENT.unit, SSM_AGENT.snapUnit] as const;

export interface ManifestEntry {
  name: string;
  source: string;
  bytes: number;
  truncated?: boolean;
  exitCode?: number;
  /** Values masked in this entry, by rule. */
  masked?: Record<string, number>;
}

export interface Manifest {
  schema: 1;
  createdAt: string;
  agentVersion: string;
  hostname: string;
  root: string;
  entries: ManifestEntry[];
  notCollected: NotCollected[];
  /** Values masked by the secret scan over the whole bundle, by rule, and in all. */
  masked: { total: number; byRule: Record<string, number> };
}

export interface Bundle {
  /** The gzip-compressed tar archive. */
  archive: Buffer;
  manifest: Manifest;
}

/** What `buildBundle` is given: `region` is the configured one (undefined when the config names none). */
export type BundleInput = Omit<CollectContext, "observed">;

/**
 * Observes the host once (observeBundleHost), collects everything, runs the secret scan over every entry, and
 * builds the archive: `<folder>/MANIFEST.json` and one regular file (0600) per entry. Throws an OperationError
 * (and builds nothing) when masking did not hold: a second scan of the masked text still finds a secret.
 */
export async function buildBundle(
  input: BundleInput,
  collectors: readonly Collector[],
  folder: string,
): Promise<Bundle> {
  const observed = await observeBundleHost(input.built.host);
  const ctx: CollectContext = { ...input, region: input.region ?? observed.ssm.region, observed };
  await learnHostSecrets(ctx);
  const collection = await collectAll(ctx, collectors);
  const { redactor } = ctx.app;
  const now = ctx.app.clock.now();
  const byRule: Record<string, number> = {};
  const entries: ManifestEntry[] = [];
  const tar: TarEntry[] = [];
  for (const file of dedupe(collection).files) {
    const scanned = maskedOrThrow(file.name, file.content, redactor);
    for (const [rule, count] of Object.entries(scanned.counts)) byRule[rule] = (byRule[rule] ?? 0) + count;
    const content = Buffer.from(scanned.text, "utf8");
    entries.push({
      name: file.name,
      source: redactor.scrub(file.source),
      bytes: content.length,
      ...(file.truncated ? { truncated: true } : {}),
      ...(file.exitCode === undefined ? {} : { exitCode: file.exitCode }),
      ...(Object.keys(scanned.counts).length > 0 ? { masked: scanned.counts } : {}),
    });
    tar.push({ name: `${folder}/${file.name}`, content, mtime: now });
  }
  const manifest: Manifest = {
    schema: 1,
    createdAt: now.toISOString(),
    agentVersion: ctx.agentVersion,
    hostname: ctx.built.host.system.hostname(),
    root: ctx.built.host.fs.root,
    entries,
    notCollected: collection.notCollected.map((item) => ({
      ...item,
      source: redactor.scrub(item.source),
      reason: maskSecretsIn(item.reason, redactor).text,
    })),
    masked: { total: Object.values(byRule).reduce((sum, count) => sum + count, 0), byRule },
  };
  const manifestText = maskedOrThrow(
    "MANIFEST.json",
    `${JSON.stringify(manifest, null, 2)}\n`,
    redactor,
  ).text;
  tar.unshift({ name: `${folder}/MANIFEST.json`, content: Buffer.from(manifestText, "utf8"), mtime: now });
  return { archive: tarGz(tar), manifest };
}

/** The text with every secret masked; an OperationError when a second scan still finds one. */
function maskedOrThrow(name: string, text: string, redactor: Redactor): ScanResult {
  const scanned = maskSecretsIn(text, redactor);
  const left = unmaskedFindings(scanned.text, redactor);
  if (left.length > 0) {
    throw new OperationError(
      `support bundle: masking could not be applied to ${name} (still found: ${left.join(", ")}); nothing was written`,
    );
  }
  return scanned;
}

/** Reads the files that hold secrets (bounded, never leaving the root) and teaches the redactor their values. */
async function learnHostSecrets(ctx: CollectContext): Promise<void> {
  const { fs, redactor } = ctx.built.host;
  const dropIns: string[] = [];
  for (const unit of DROP_IN_UNITS) {
    const dir = `/etc/systemd/system/${unit}.service.d`;
    for (const name of await fs.list(dir).catch(() => [])) dropIns.push(`${dir}/${name}`);
  }
  for (const hostPath of [...SECRET_SOURCES, ...dropIns]) {
    const read = await fs.readTail(hostPath, 256 * 1024).catch(() => undefined);
    if (read !== undefined) learnSecrets(redactor, hostPath, read.text);
  }
  for (const name of proxyVariables(ctx.app.deps.env)) {
    learnSecrets(redactor, name, `${name}=${ctx.app.deps.env[name]}`);
  }
}

/** A name collected twice keeps its first file (the tar would otherwise hold two entries of one name). */
function dedupe(collection: Collection): Collection {
  const seen = new Set<string>();
  return {
    ...collection,
    files: collection.files.filter((file) => !seen.has(file.name) && seen.add(file.name)),
  };
}
