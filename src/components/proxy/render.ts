import { DOCKER } from "../docker/files.ts";
import { noProxyValue, type ProxySettings } from "./settings.ts";

/**
 * What each consumer is given, as pure functions of the settings (field notes §10.1-§10.5). Every consumer gets the
 * same URLs and the same NO_PROXY list.
 */

/** The ecs.config keys the agent owns for the proxy; removed again when no proxy is configured. */
export const PROXY_ECS_KEYS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"] as const;

/**
 * /etc/ecs/ecs.config (field notes §10.1, §10.2): HTTP_PROXY as AWS documents it, HTTPS_PROXY too because ecs-init's
 * own S3 download follows Go's rules (https:// only through HTTPS_PROXY), and NO_PROXY with the mandatory entries.
 * Plain values: the file has no quoting (field notes §3.2).
 */
export function proxyEcsConfigKeys(proxy: ProxySettings): Record<string, string> {
  return { HTTP_PROXY: proxy.http, HTTPS_PROXY: proxy.https, NO_PROXY: noProxyValue(proxy) };
}

/** The name of the agent's drop-in in a unit's drop-in folder (only `*.conf` files are read, field notes §10.4). */
export const DROP_IN_NAME = "http-proxy.conf";

export function dropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.service.d/${DROP_IN_NAME}`;
}

/** The first line of every drop-in the agent writes: how it recognises its own files (and their source). */
const MARKER = "# Written by ecs-anywhere-agent";

/** Whether `text` is a drop-in this agent wrote, and from which source; undefined for anybody else's file. */
export function dropInSource(text: string | undefined): ProxySettings["source"] | undefined {
  const match = new RegExp(`^${MARKER} \\(source: (config|environment)\\)`).exec(text ?? "");
  return match === null ? undefined : (match[1] as ProxySettings["source"]);
}

/**
 * A value inside `Environment="NAME=value"`: systemd expands `%` specifiers, so a literal `%` (URL-encoded
 * characters in a password) is `%%` (field notes §10.3). Quotes and backslashes never get here (settings.ts).
 */
export function systemdValue(value: string): string {
  return value.replaceAll("%", "%%");
}

function dropIn(proxy: ProxySettings, what: string, variables: [string, string][]): string {
  const source = proxy.source === "config" ? "the proxy: section of its config" : "its environment";
  return [
    `${MARKER} (source: ${proxy.source}) from ${source}, for ${what}.`,
    "# `ecs-anywhere-agent register` and its daemon rewrite or remove this file; change the agent's config instead.",
    "[Service]",
    ...variables.map(([name, value]) => `Environment="${name}=${systemdValue(value)}"`),
    "",
  ].join("\n");
}

/**
 * docker.service (field notes §10.3): dockerd reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY from its environment
 * (image pulls, ECR included). Upper case only, as Docker documents it.
 */
export function dockerDropIn(proxy: ProxySettings): string {
  return dropIn(proxy, `${DOCKER.unit}.service`, [
    ["HTTP_PROXY", proxy.http],
    ["HTTPS_PROXY", proxy.https],
    ["NO_PROXY", noProxyValue(proxy)],
  ]);
}

/**
 * The SSM agent's unit, deb/rpm or snap (field notes §10.4, §10.5): https_proxy is mandatory since agent 3.0.1390
 * (Go 1.16); lower case as AWS documents it and upper case as Go reads first (and nodeadm requires), with identical
 * values so no reader sees a different proxy.
 */
export function ssmDropIn(proxy: ProxySettings, unit: string): string {
  const noProxy = noProxyValue(proxy);
  return dropIn(proxy, `${unit}.service`, [
    ["http_proxy", proxy.http],
    ["https_proxy", proxy.https],
    ["no_proxy", noProxy],
    ["HTTP_PROXY", proxy.http],
    ["HTTPS_PROXY", proxy.https],
    ["NO_PROXY", noProxy],
  ]);
}

/**
 * The install script's environment (field notes §10.6): it has no proxy option, curl and the package managers
 * follow these variables, and its final poll of the agent on localhost must not go through the proxy.
 */
export function scriptProxyEnv(proxy: ProxySettings | undefined): Record<string, string> {
  if (proxy === undefined) return {};
  const noProxy = [...new Set(["localhost", "127.0.0.1", ...proxy.noProxy])].join(",");
  return {
    http_proxy: proxy.http,
    https_proxy: proxy.https,
    no_proxy: noProxy,
    HTTP_PROXY: proxy.http,
    HTTPS_PROXY: proxy.https,
    NO_PROXY: noProxy,
  };
}
