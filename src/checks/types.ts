import type { RunCommand } from "../adapters/host/exec.ts";
import type { HostFs } from "../adapters/host/fs.ts";
import type { IntrospectionClient } from "../adapters/host/introspection.ts";
import type { SystemInfo } from "../adapters/host/system.ts";
import type { Clock } from "../util/clock.ts";
import type { Redactor } from "../util/redact.ts";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One check's outcome as the CLI prints it. Every warn/fail carries a one-line remediation. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
  remediation?: string;
}

/** What a check body returns; the type makes a remediation mandatory for warn and fail. */
export type Verdict =
  | { status: "pass" | "skip"; message: string }
  | { status: "warn" | "fail"; message: string; remediation: string };

export interface Check {
  /** Part of the CLI contract: shown in output and accepted by --skip. */
  name: string;
  description: string;
  run(ctx: CheckContext): Promise<CheckResult>;
}

// facts §1: the install script's --docker-install-source values.
export const DOCKER_INSTALL_SOURCES = ["all", "docker", "distro", "none"] as const;
export type DockerInstallSource = (typeof DOCKER_INSTALL_SOURCES)[number];

export interface InstallScriptChoice {
  /** Where the install script would be downloaded from. */
  url: string;
  /** A local copy the operator supplies instead of downloading (operator path, not under the root). */
  file?: string;
  /** The pinned SHA-256 of that copy. */
  sha256?: string;
}

/** Everything a check may observe. Checks only read: they never change the host. */
export interface CheckContext {
  /** The host filesystem, every path joined under the install root. */
  fs: HostFs;
  system: SystemInfo;
  run: RunCommand;
  redactor: Redactor;
  clock: Clock;
  /** The agent's own environment: endpoint overrides and proxy settings. Values are never printed. */
  env: Readonly<Record<string, string | undefined>>;
  region: string;
  /** The cluster this host should belong to. */
  cluster: string;
  dockerInstallSource: DockerInstallSource;
  installScript: InstallScriptChoice;
  introspection: IntrospectionClient;
  /** Real path of the Docker socket (already under the root). */
  dockerSocket: string;
  /** Per network probe or command. */
  timeoutMs: number;
}

export const pass = (message: string): Verdict => ({ status: "pass", message });
export const warn = (message: string, remediation: string): Verdict => ({
  status: "warn",
  message,
  remediation,
});
export const fail = (message: string, remediation: string): Verdict => ({
  status: "fail",
  message,
  remediation,
});

/** A named check whose body only decides the verdict. */
export function defineCheck(
  name: string,
  description: string,
  body: (ctx: CheckContext) => Promise<Verdict>,
): Check {
  return { name, description, run: async (ctx) => ({ name, ...(await body(ctx)) }) };
}
