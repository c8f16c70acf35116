import type { ProxyRoute } from "../../adapters/aws/proxy-route.ts";
import { download } from "../../adapters/host/download.ts";
import type { RunCommand } from "../../adapters/host/exec.ts";
import type { HostFs } from "../../adapters/host/fs.ts";
import type { HostConfig } from "../../config/schema.ts";
import { throwIfCancelled } from "../../engine/cancel.ts";
import { OperationError } from "../../errors.ts";
import { readFailure } from "../../util/files.ts";
import type { Redactor } from "../../util/redact.ts";
import { AGENT_STATE } from "../agent-state/paths.ts";
import { AMAZON_ECS_PUBLIC_KEY } from "./amazon-ecs-key.ts";
import { secureAgentFolders } from "./folders.ts";
import { verifySha256, verifyWithGpg } from "./verify.ts";

/** How the operator wants the script obtained (field notes §1: official URL + .asc, or a pinned local copy). */
export interface ScriptSource {
  url: string;
  /** Air-gapped hosts: a local copy and its pinned SHA-256 instead of the download and signature. */
  file?: string;
  sha256?: string;
  /** Neither a file nor a URL: the Amazon ECS key embedded in the agent. */
  gpgKeyFile?: string;
  gpgKeyUrl?: string;
  fingerprint: string;
  /** Run an unverified script; the caller prints a loud warning. */
  insecureSkipVerify: boolean;
}

export function scriptSource(
  config: HostConfig["installScript"],
  flags: Partial<ScriptSource>,
): ScriptSource {
  return {
    url: flags.url ?? config.url,
    ...(flags.file === undefined ? {} : { file: flags.file }),
    ...(flags.sha256 === undefined ? {} : { sha256: flags.sha256 }),
    ...((flags.gpgKeyFile ?? config.gpgKeyFile) ? { gpgKeyFile: flags.gpgKeyFile ?? config.gpgKeyFile } : {}),
    ...((flags.gpgKeyUrl ?? config.gpgKeyUrl) ? { gpgKeyUrl: flags.gpgKeyUrl ?? config.gpgKeyUrl } : {}),
    fingerprint: (flags.fingerprint ?? config.fingerprint).toUpperCase(),
    insecureSkipVerify: flags.insecureSkipVerify ?? false,
  };
}

export function describeSource(source: ScriptSource): string {
  if (source.file !== undefined) return `${source.file} (pinned SHA-256 ${source.sha256 ?? "none"})`;
  if (source.insecureSkipVerify) return `${source.url} (NOT VERIFIED: --insecure-skip-verify)`;
  return `${source.url} (signature by key ${source.fingerprint})`;
}

export interface ScriptDeps {
  fs: HostFs;
  /** Operator files (paths as given, not under --root). */
  files: HostFs;
  run: RunCommand;
  redactor: Redactor;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The host's HTTP proxy, which the downloads go through (field notes §10.6, §10.7); none: direct. */
  proxy?: ProxyRoute | undefined;
  /** Repairs the agent made to its folders (see secureAgentFolders). */
  warn?: (message: string) => void;
}

/**
 * Obtains the install script and verifies it; returns the verified BYTES (what runInstallScript runs) and
 * where a copy was kept for the operator (0700; never executed from there). Nothing is saved, let alone
 * executed, unless verification passed (or --insecure-skip-verify).
 */
export async function obtainVerifiedScript(
  source: ScriptSource,
  deps: ScriptDeps,
): Promise<{ bytes: Buffer; copy: string }> {
  // Before anything lands in the agent's folder (the gpg home included): nobody else may write there.
  await secureAgentFolders(deps.fs, deps.warn);
  const script =
    source.file !== undefined
      ? await readLocal(deps.files, source.file)
      : await fetchOrFail(source.url, "install script", deps);
  if (source.file !== undefined && source.sha256 !== undefined) {
    refuseUnless(verifySha256(script, source.sha256));
  } else if (!source.insecureSkipVerify) {
    const signature = await fetchOrFail(`${source.url}.asc`, "install script signature", deps);
    const publicKey = await loadSigningKey(source, deps);
    refuseUnless(
      await verifyWithGpg({
        script,
        signature: signature.toString("utf8"),
        publicKey: publicKey.toString("utf8"),
        expectedFingerprint: source.fingerprint,
        exec: deps.run,
        fs: deps.fs,
        tempParent: AGENT_STATE.dir,
        redactor: deps.redactor,
      }),
    );
  }
  await deps.fs.mkdir(AGENT_STATE.dir, 0o700);
  await deps.fs.writeFileAtomic(AGENT_STATE.script, script, { mode: 0o700 });
  return { bytes: script, copy: AGENT_STATE.script };
}

function refuseUnless(result: Awaited<ReturnType<typeof verifyWithGpg>>): void {
  if (!result.ok) {
    throw new OperationError(`install script refused (${result.reason}): ${result.message}`, {
      remediation:
        "check the script source; --insecure-skip-verify runs an unverified script (not recommended)",
    });
  }
}

async function fetchOrFail(
  url: string,
  what: string,
  deps: Pick<ScriptDeps, "timeoutMs" | "signal" | "proxy">,
): Promise<Buffer> {
  const answer = await download(url, deps.timeoutMs, deps.signal, deps.proxy);
  throwIfCancelled(deps.signal, "install-script");
  if (!answer.ok) {
    throw new OperationError(`downloading the ${what} from ${new URL(url).origin}: ${answer.error}`, {
      remediation:
        "run `ecs-anywhere-agent check` to test reachability, or use --install-script FILE --install-script-sha256 HEX",
    });
  }
  return answer.body;
}

/** The script's exact bytes (the pinned SHA-256 is of the bytes, not of a decoded text). */
async function readLocal(files: HostFs, file: string): Promise<Buffer> {
  const read = await files.readInputFile(file).catch((error: unknown) => {
    throw new OperationError(`--install-script: cannot read ${file} (${readFailure(error)})`, {
      cause: error,
    });
  });
  if (read === undefined) throw new OperationError(`--install-script: file not found: ${file}`);
  return read.bytes;
}

/** Where the key that verifies the script comes from: a URL, a file, else the key built into the agent. */
export type KeyOrigin = { kind: "url"; url: string } | { kind: "file"; path: string } | { kind: "embedded" };

export function keyOrigin(source: Pick<ScriptSource, "gpgKeyFile" | "gpgKeyUrl">): KeyOrigin {
  if (source.gpgKeyUrl !== undefined) return { kind: "url", url: source.gpgKeyUrl };
  if (source.gpgKeyFile !== undefined) return { kind: "file", path: source.gpgKeyFile };
  return { kind: "embedded" };
}

export function describeKeyOrigin(origin: KeyOrigin): string {
  if (origin.kind === "url") return `the key from ${new URL(origin.url).origin}`;
  if (origin.kind === "file") return `the key file ${origin.path}`;
  return "the Amazon ECS key built into the agent";
}

/** The armored signing key (field notes §1.2): downloaded, read from the operator's file, or the embedded one. */
export async function loadSigningKey(
  source: Pick<ScriptSource, "gpgKeyFile" | "gpgKeyUrl" | "fingerprint">,
  deps: Pick<ScriptDeps, "files" | "timeoutMs" | "signal" | "proxy">,
): Promise<Buffer> {
  const origin = keyOrigin(source);
  if (origin.kind === "url") return fetchOrFail(origin.url, "signing key", deps);
  if (origin.kind === "file") return readKeyFile(deps.files, origin.path, source.fingerprint);
  return Buffer.from(AMAZON_ECS_PUBLIC_KEY, "utf8");
}

async function readKeyFile(files: HostFs, file: string, fingerprint: string): Promise<Buffer> {
  const read = await files.readInputFile(file).catch((error: unknown) => {
    throw new OperationError(`the signing key ${file} cannot be read (${readFailure(error)})`, {
      cause: error,
    });
  });
  if (read === undefined) {
    throw new OperationError(`the Amazon ECS signing key is missing: ${file}`, {
      remediation: `save the public key with fingerprint ${fingerprint} to ${file}, or leave --gpg-key-file and host.installScript.gpgKeyFile unset to use the Amazon ECS key built into the agent`,
    });
  }
  return read.bytes;
}
