import type { ProxyRoute } from "../adapters/aws/proxy-route.ts";
import type { RunCommand } from "../adapters/host/exec.ts";
import type { HostFs } from "../adapters/host/fs.ts";
import type { IntrospectionClient } from "../adapters/host/introspection.ts";
import type { SystemInfo } from "../adapters/host/system.ts";
import type { EndpointsConfig } from "../config/schema.ts";
import type { Plan, Step } from "../engine/step.ts";
import { describeError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import type { Redactor } from "../util/redact.ts";

/** A preflight check: a step that only observes and decides (it never has changes to apply). */
export interface Check extends Step<CheckContext> {
  description: string;
}

// field notes §1: the install script's --docker-install-source values.
export const DOCKER_INSTALL_SOURCES = ["all", "docker", "distro", "none"] as const;
export type DockerInstallSource = (typeof DOCKER_INSTALL_SOURCES)[number];

export interface InstallScriptChoice {
  /** Where the install script would be downloaded from. */
  url: string;
  /** A local copy the operator supplies instead of downloading (operator path, not under the root). */
  file?: string;
  /** The pinned SHA-256 of that copy. */
  sha256?: string;
  /** The armored signing key's file (operator path, not under the root), read unless a URL or a copy replaces it. */
  gpgKeyFile?: string;
  gpgKeyUrl?: string;
  /** The primary-key fingerprint the script's signature must come from. */
  fingerprint?: string;
  insecureSkipVerify?: boolean;
}

/** Everything a check may observe. Checks only read: they never change the host. */
export interface CheckContext {
  /** The host filesystem, every path joined under the install root. */
  fs: HostFs;
  /** Operator files (paths as given, not under the root); defaults to the real filesystem. */
  files?: HostFs;
  system: SystemInfo;
  run: RunCommand;
  redactor: Redactor;
  clock: Clock;
  /** The agent's own environment: endpoint overrides and proxy settings. Values are never printed. */
  env: Readonly<Record<string, string | undefined>>;
  region: string;
  /** The config's `endpoints:` (private or FIPS endpoints), probed instead of the public ones. */
  endpoints?: EndpointsConfig;
  /** The cluster this host should belong to. */
  cluster: string;
  dockerInstallSource: DockerInstallSource;
  /** GPU support is on (the install script's --enable-gpu: it then needs nvidia-smi). */
  enableGpu?: boolean;
  installScript: InstallScriptChoice;
  introspection: IntrospectionClient;
  /** Real path of the Docker socket (already under the root). */
  dockerSocket: string;
  /** Per network probe or command. */
  timeoutMs: number;
  /** The host's HTTP proxy (the config's, else the environment's): the network probes go through it. */
  proxy?: ProxyRoute;
}

export const pass = (message: string): Plan => ({ status: "ok", summary: message });
export const warn = (message: string, remediation: string): Plan => ({
  status: "warn",
  summary: message,
  remediation,
});
export const fail = (message: string, remediation: string): Plan => ({
  status: "failed",
  summary: message,
  remediation,
});

/** A named check whose body only decides the verdict; a throw is the check's own failure, said so. */
export function defineCheck(
  name: string,
  description: string,
  body: (ctx: CheckContext) => Promise<Plan>,
): Check {
  return {
    id: name,
    description,
    async plan(ctx) {
      try {
        return await body(ctx);
      } catch (error) {
        return fail(
          `the check itself failed: ${describeError(error)}`,
          `re-run with --log-level debug, or --skip ${name} if it does not apply to this host`,
        );
      }
    },
  };
}
