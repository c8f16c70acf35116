import type { PackageManager } from "../../flows/deregister/packages.ts";

/**
 * Where the packages of the two agents come from: the buckets the install script downloads from (field notes §1.4,
 * §10.12, §10.13), one URL per component, format, architecture and version. This module only names them.
 */

export type Component = "ecs" | "ssm";
export type PackageFormat = "deb" | "rpm";

/** `uname -m` -> the architecture names the buckets use (field notes §1.3: only these two are supported). */
export interface PackageArch {
  deb: "amd64" | "arm64";
  rpm: "x86_64" | "aarch64";
}

export function packageArch(uname: string): PackageArch | undefined {
  if (uname === "x86_64") return { deb: "amd64", rpm: "x86_64" };
  if (uname === "aarch64") return { deb: "arm64", rpm: "aarch64" };
  return undefined;
}

export function formatOf(manager: PackageManager): PackageFormat | undefined {
  if (manager === "apt") return "deb";
  if (manager === "snap") return undefined;
  return "rpm";
}

/** `https://s3.REGION.amazonaws.com` (`.com.cn` in the China regions), as the install script builds it. */
function s3(region: string): string {
  return `https://s3.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** field notes §10.12: `https://s3.REGION.amazonaws.com/amazon-ecs-agent-REGION/`. */
export function defaultEcsBase(region: string): string {
  return `${s3(region)}/amazon-ecs-agent-${region}`;
}

/** field notes §10.13: the `amazon-ssm-REGION` bucket the install script installs the SSM agent from. */
export function defaultSsmBase(region: string): string {
  return `${s3(region)}/amazon-ssm-${region}`;
}

export interface PackageLocation {
  url: string;
  /** The detached signature: `.asc` for ecs-init (field notes §1.2), `.sig` for the SSM agent (field notes §1.4). */
  signatureUrl: string;
  /** The name the package is kept under in the agent's cache. */
  fileName: string;
}

/**
 * ecs-init: `BASE/amazon-ecs-init-VERSION.ARCH.FORMAT` with VERSION `latest` or a package version such as
 * `1.89.0-1` (the install script's `--ecs-version`, field notes §1.3). SSM agent: `BASE/VERSION/debian_ARCH/
 * amazon-ssm-agent.deb` or `BASE/VERSION/linux_ARCH/amazon-ssm-agent.rpm`, VERSION `latest` or a release.
 */
export function packageLocation(
  component: Component,
  base: string,
  version: string,
  format: PackageFormat,
  arch: PackageArch,
): PackageLocation {
  const root = base.replace(/\/+$/, "");
  if (component === "ecs") {
    const fileName = `amazon-ecs-init-${version}.${format === "deb" ? arch.deb : arch.rpm}.${format}`;
    const url = `${root}/${fileName}`;
    return { url, signatureUrl: `${url}.asc`, fileName };
  }
  const folder = format === "deb" ? `debian_${arch.deb}` : `linux_${arch.deb}`;
  const url = `${root}/${version}/${folder}/amazon-ssm-agent.${format}`;
  return { url, signatureUrl: `${url}.sig`, fileName: `amazon-ssm-agent-${version}.${arch.deb}.${format}` };
}

/** A version the operator may pass: `latest`, or digits, dots, `-`, `+`, `~` and letters (no path, no spaces). */
export const VERSION_PATTERN = /^(latest|[0-9][0-9A-Za-z.+~-]{0,63})$/;

/** Whether the installed package version is the one asked for (`1.89.0` matches `1.89.0-1`). */
export function sameVersion(installed: string | undefined, wanted: string): boolean {
  if (installed === undefined || wanted === "latest") return false;
  return installed === wanted || upstream(installed) === wanted;
}

/** `1.89.0-1` -> `1.89.0` (a package version without its release). */
export function upstream(version: string): string {
  const dash = version.lastIndexOf("-");
  return dash > 0 ? version.slice(0, dash) : version;
}

/** `Amazon ECS Agent - v1.89.0 (abcdef12)` -> `1.89.0` (field notes §2.2); undefined when it has none. */
export function agentVersionOf(metadataVersion: string): string | undefined {
  return /\bv(\d+\.\d+\.\d+)\b/.exec(metadataVersion)?.[1];
}
