import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { ProxyRoute } from "../../adapters/aws/proxy-route.ts";
import { downloadFailure, openBody } from "../../adapters/host/download.ts";
import { CommandStartError, describeFailure } from "../../adapters/host/exec.ts";
import type { HostContext } from "../../app/host.ts";
import { OperationError } from "../../errors.ts";
import type { PackageManager } from "../../flows/deregister/packages.ts";
import { AGENT_STATE } from "../agent-state/paths.ts";
import { verifyWithGpg } from "../install-script/verify.ts";
import type { PackageFormat, PackageLocation } from "./sources.ts";

/** The agent's cache of verified packages: the one it installed last and the one it can roll back to. */
export const PACKAGE_CACHE = `${AGENT_STATE.dir}/packages`;

const QUERY_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** ecs-init carries the agent's image (field notes §10.2): tens of MB; anything past this is not a package. */
const MAX_PACKAGE_BYTES = 1024 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 64 * 1024;

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax.
const DPKG_FORMAT = "-f=${Status}\t${Version}";
const RPM_FORMAT = "%{VERSION}-%{RELEASE}";

/** The installed version of a package, asked of the package database; undefined when it is not installed. */
export async function installedVersion(
  host: Pick<HostContext, "run" | "redactor">,
  manager: PackageManager,
  pkg: string,
): Promise<string | undefined> {
  const [cmd, args]: [string, string[]] =
    manager === "apt"
      ? ["dpkg-query", ["-W", DPKG_FORMAT, pkg]]
      : manager === "snap"
        ? ["snap", ["list", pkg]]
        : ["rpm", ["-q", "--queryformat", RPM_FORMAT, pkg]];
  let result: Awaited<ReturnType<HostContext["run"]>>;
  try {
    result = await host.run(cmd, args, { timeoutMs: QUERY_TIMEOUT_MS, redactor: host.redactor });
  } catch (error) {
    if (error instanceof CommandStartError) {
      throw new OperationError(`${cmd} is missing, so the installed version of ${pkg} cannot be read`);
    }
    throw error;
  }
  if (result.exitCode !== 0) return undefined;
  const out = result.stdout.trim();
  if (manager === "apt") {
    const [status, version] = out.split("\t");
    return status?.endsWith(" installed") && version ? version : undefined;
  }
  if (manager === "snap") {
    // `Name  Version  Rev  Tracking  Publisher  Notes`, then one line per snap.
    const line = out.split("\n").find((row) => row.split(/\s+/)[0] === pkg);
    return line?.split(/\s+/)[1];
  }
  return out === "" ? undefined : out;
}

/** The version a package FILE holds (`dpkg-deb -f FILE Version`, `rpm -qp`). */
export async function fileVersion(
  host: Pick<HostContext, "run" | "redactor" | "fs">,
  format: PackageFormat,
  file: string,
): Promise<string> {
  const real = host.fs.resolve(file);
  const [cmd, args]: [string, string[]] =
    format === "deb"
      ? ["dpkg-deb", ["-f", real, "Version"]]
      : ["rpm", ["-qp", "--queryformat", RPM_FORMAT, real]];
  const result = await host.run(cmd, args, { timeoutMs: QUERY_TIMEOUT_MS, redactor: host.redactor });
  const version = result.stdout.trim();
  if (result.exitCode !== 0 || version === "") {
    throw new OperationError(`cannot read the version of ${file}: ${describeFailure(result)}`);
  }
  return version;
}

/**
 * Installs a package file with the host's package manager (field notes §10.12: the package manager never sees an
 * update on its own; the file is installed as the install script does). `downgrade` is the rollback.
 */
export function installCommand(
  manager: Exclude<PackageManager, "snap">,
  file: string,
  downgrade: boolean,
): [string, string[]] {
  switch (manager) {
    case "apt":
      return ["apt-get", ["install", "-y", "--allow-downgrades", file]];
    case "dnf":
    case "yum":
      return [manager, [downgrade ? "downgrade" : "install", "-y", file]];
    case "zypper":
      return ["zypper", ["--non-interactive", "install", "--allow-unsigned-rpm", "--oldpackage", file]];
  }
}

export async function installPackageFile(
  host: Pick<HostContext, "run" | "redactor" | "fs">,
  manager: Exclude<PackageManager, "snap">,
  file: string,
  downgrade: boolean,
): Promise<void> {
  // The package tools get the real path: with --root, the host's file lives under it.
  const [cmd, args] = installCommand(manager, host.fs.resolve(file), downgrade);
  const result = await host.run(cmd, args, {
    timeoutMs: INSTALL_TIMEOUT_MS,
    redactor: host.redactor,
    ...(manager === "apt" ? { env: { DEBIAN_FRONTEND: "noninteractive" } } : {}),
  });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new OperationError(`installing ${file} failed: ${describeFailure(result)}`);
  }
}

/**
 * field notes §10.13: snapd refreshes the snap (no package file, no signature of ours to check); `revert` goes back
 * to the revision snapd kept from before the refresh (the rollback).
 */
export async function changeSnap(
  host: Pick<HostContext, "run" | "redactor">,
  verb: "refresh" | "revert",
  pkg: string,
): Promise<void> {
  const result = await host.run("snap", [verb, pkg], {
    timeoutMs: INSTALL_TIMEOUT_MS,
    redactor: host.redactor,
  });
  if (result.exitCode !== 0 || result.timedOut) {
    throw new OperationError(`snap ${verb} ${pkg} failed: ${describeFailure(result)}`);
  }
}

/** The key a package's signature must verify with (field notes §1.2 for ecs-init, §10.13 for the SSM agent). */
export interface SigningKey {
  armored: string;
  fingerprint: string;
}

/** How a package is downloaded: the time allowed for each file, and the host's HTTP proxy if it has one. */
export interface DownloadOptions {
  timeoutMs: number;
  proxy?: ProxyRoute | undefined;
}

/**
 * Downloads a package and its detached signature into `folder` (a host path), through the host's proxy when it has
 * one (the package manager's own proxy settings play no part: the agent downloads the file, field notes §10.12), and
 * verifies the signature with the pinned key, like the install script script's own check but refusing when gpg is
 * missing. Returns the package's host path; on any failure nothing is left in `folder` under the package's name.
 */
export async function fetchVerifiedPackage(
  host: Pick<HostContext, "run" | "redactor" | "fs" | "signal">,
  location: PackageLocation,
  key: SigningKey,
  folder: string,
  what: string,
  options: DownloadOptions,
): Promise<string> {
  const file = `${folder}/${location.fileName}`;
  await downloadTo(host, location.url, file, MAX_PACKAGE_BYTES, what, options);
  const signatureFile = `${file}.sig`;
  await downloadTo(
    host,
    location.signatureUrl,
    signatureFile,
    MAX_SIGNATURE_BYTES,
    `${what} signature`,
    options,
  );
  const content = await readFile(host.fs.resolve(file));
  const signature = await readFile(host.fs.resolve(signatureFile), "utf8");
  const verified = await verifyWithGpg({
    script: content,
    signature,
    publicKey: key.armored,
    expectedFingerprint: key.fingerprint,
    exec: host.run,
    fs: host.fs,
    tempParent: folder,
    redactor: host.redactor,
  });
  if (!verified.ok) {
    await host.fs.remove(file);
    throw new OperationError(
      `${what} from ${location.url} refused: its signature does not verify with key ${key.fingerprint} (${verified.reason})`,
      {
        remediation:
          verified.reason === "gpg-missing"
            ? "install gpg (apt-get install gnupg, or dnf install gnupg2) and re-run"
            : "download it again later; if it persists, check the package source (--ecs-source/--ssm-source) and the key",
      },
    );
  }
  return file;
}

async function downloadTo(
  host: Pick<HostContext, "fs" | "signal">,
  url: string,
  file: string,
  maxBytes: number,
  what: string,
  options: DownloadOptions,
): Promise<void> {
  const refuse = (why: string) =>
    new OperationError(`downloading the ${what} from ${url}: ${why}`, {
      remediation:
        "check that this host reaches the package source (`ecs-anywhere-agent check`), and that the version exists",
    });
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), host.signal]);
  let answer: Awaited<ReturnType<typeof openBody>>;
  try {
    answer = await openBody(url, signal, maxBytes, options.proxy);
  } catch (error) {
    throw refuse(downloadFailure(error, signal));
  }
  if (!answer.ok) throw refuse(answer.error);
  const response = answer.body;
  let size = 0;
  response.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) response.destroy(new Error(`larger than ${maxBytes} bytes`));
  });
  try {
    await pipeline(response, createWriteStream(host.fs.resolve(file), { mode: 0o600 }));
  } catch (error) {
    await host.fs.remove(file);
    throw refuse(downloadFailure(error, signal));
  }
}
