import { configuredEndpoints } from "../../config/endpoints.ts";
import type { Config } from "../../config/schema.ts";
import { UsageError } from "../../errors.ts";
import { DOCKER } from "../docker/files.ts";

/**
 * The HTTP proxy every consumer on the host is given (field notes §10.1-§10.7): the ECS agent and ecs-init
 * (ecs.config), dockerd and the SSM agent (systemd drop-ins), and this agent's own AWS SDK calls.
 */
export interface ProxySettings {
  /** The proxy for http:// URLs. */
  http: string;
  /** The proxy for https:// URLs (all of AWS). */
  https: string;
  /**
   * Hosts reached directly: the mandatory entries first, then the operator's, then the hosts of the configured
   * endpoints (unless `proxy.bypassEndpoints` is false), without duplicates.
   */
  noProxy: string[];
  /** Where the settings came from: the config's `proxy:` section, or the agent's own environment. */
  source: "config" | "environment";
}

/**
 * field notes §10.1, §10.2: instance metadata, the task credential endpoint and the Docker socket must never go
 * through the proxy (the ECS agent sets the same list itself when NO_PROXY is empty; §10.5: a path entry
 * matches nothing in Go and is harmless elsewhere). One list for every consumer, so they all agree.
 */
export const MANDATORY_NO_PROXY: readonly string[] = ["169.254.169.254", "169.254.170.2", DOCKER.socket];

/** The variables a proxy is read from, upper case first as Go reads them (field notes §10.5). */
const ENV_NAMES = {
  http: ["HTTP_PROXY", "http_proxy"],
  https: ["HTTPS_PROXY", "https_proxy"],
  noProxy: ["NO_PROXY", "no_proxy"],
} as const;

/** An entry of a NO_PROXY list: a host, domain (leading dot), IP, CIDR, host:port, `*` or a socket path. */
export const NO_PROXY_ENTRY = /^[A-Za-z0-9._:\-/*[\]]+$/;

/**
 * The characters a proxy URL may hold, so it can be written unquoted into ecs.config (field notes §3.2) and inside
 * `Environment="..."` (field notes §10.3): printable ASCII without white space, quotes or backslashes. An
 * URL-encoded character in a password stays encoded (`%40`).
 */
const URL_CHARACTERS = /^[\x21-\x7e]+$/;

/** Why `text` is not a usable proxy URL, or undefined when it is one: http:// with a host, nothing after it. */
export function proxyUrlProblem(text: string): string | undefined {
  if (!URL_CHARACTERS.test(text) || /["'\\]/.test(text)) {
    return "must be one word of printable characters without quotes or backslashes (URL-encode them)";
  }
  if (!/^http:\/\//i.test(text)) {
    return "must be an http:// URL: the proxy is spoken to in plain HTTP (https:// traffic is tunnelled through it with CONNECT)";
  }
  // URL() takes the last @ as the end of the userinfo, while every masker (and a reader) stops at the first: a
  // raw @ in a password would leave its rest unmasked.
  if ((/^http:\/\/([^/?#]*)/i.exec(text)?.[1] ?? "").split("@").length > 2) {
    return "has an @ in its user or password: URL-encode it as %40";
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL (expected http://HOST:PORT or http://USER:PASSWORD@HOST:PORT)";
  }
  if (url.hostname === "") return "has no host";
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return "must not have a path, query or fragment (expected http://HOST:PORT)";
  }
  return undefined;
}

/** The operator's proxy section, as the schema outputs it. */
export type ProxyConfig = NonNullable<Config["proxy"]>;

/** What the proxy is resolved from: the proxy section and the endpoints (absent in a bare `{}`). */
export type ProxyInputs = Pick<Config, "proxy"> & Partial<Pick<Config, "endpoints">>;

/**
 * The hosts of the configured `endpoints:`, for NO_PROXY: VPC interface endpoints are reached over Direct Connect or
 * VPN (field notes §10.8), which an on-premises proxy does not route to, and every consumer of the endpoints (the
 * SSM agent, the ECS agent, dockerd, this agent's SDK clients) would otherwise send them through the proxy (§10.5).
 * None when the operator keeps them behind the proxy (`proxy.bypassEndpoints: false`).
 */
export function endpointNoProxy(config: ProxyInputs): string[] {
  if (config.proxy?.bypassEndpoints === false) return [];
  return configuredEndpoints(config.endpoints).map(([, url]) => new URL(url).hostname);
}

/**
 * The proxy of this host: the config's `proxy:` section, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case,
 * upper first) of the agent's environment, else none. Either URL alone serves both schemes. A proxy variable
 * without a scheme (`proxy:3128`, which Go accepts) means http://. A variable that is no proxy URL is bad input.
 * Either way the configured endpoints' hosts join NO_PROXY (endpointNoProxy).
 */
export function resolveProxy(
  config: ProxyInputs,
  env: Readonly<Record<string, string | undefined>>,
): ProxySettings | undefined {
  const endpoints = endpointNoProxy(config);
  if (config.proxy !== undefined) return fromParts(config.proxy, endpoints, "config");
  const read = (names: readonly string[]) => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return { name, value };
    }
    return undefined;
  };
  const http = read(ENV_NAMES.http);
  const https = read(ENV_NAMES.https);
  if (http === undefined && https === undefined) return undefined;
  const url = (found: { name: string; value: string } | undefined) => {
    if (found === undefined) return undefined;
    const value = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
    const problem = proxyUrlProblem(value);
    // The value itself is never echoed: it may carry a password.
    if (problem !== undefined) throw new UsageError(`${found.name} (the proxy fallback): ${problem}`);
    return value;
  };
  const noProxy = read(ENV_NAMES.noProxy);
  const entries = (noProxy?.value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const bad = entries.find((entry) => !NO_PROXY_ENTRY.test(entry));
  if (bad !== undefined) {
    throw new UsageError(
      `${noProxy?.name}: ${JSON.stringify(bad)} is not a host, domain, IP, CIDR or host:port entry`,
    );
  }
  return fromParts({ http: url(http), https: url(https), noProxy: entries }, endpoints, "environment");
}

function fromParts(
  parts: { http?: string | undefined; https?: string | undefined; noProxy: readonly string[] },
  endpoints: readonly string[],
  source: ProxySettings["source"],
): ProxySettings {
  const http = parts.http ?? parts.https;
  const https = parts.https ?? parts.http;
  if (http === undefined || https === undefined) throw new Error("a proxy needs an http or https URL");
  const noProxy = [...new Set([...MANDATORY_NO_PROXY, ...parts.noProxy, ...endpoints])];
  return { http, https, noProxy, source };
}

/** The secrets of the proxy URLs: each password as written and decoded, and each user:password pair. */
export function proxySecrets(proxy: ProxySettings | undefined): string[] {
  if (proxy === undefined) return [];
  const secrets = new Set<string>();
  for (const text of [proxy.http, proxy.https]) {
    const match = /^[a-z]+:\/\/([^/@]*):([^/@]*)@/i.exec(text);
    if (match === null) continue;
    const [, user = "", password = ""] = match;
    if (password === "") continue;
    secrets.add(password);
    secrets.add(`${user}:${password}`);
    try {
      secrets.add(decodeURIComponent(password));
    } catch {
      // not valid percent-encoding: the raw form is the one anyone could print
    }
  }
  return [...secrets];
}

/** The NO_PROXY value every consumer gets. */
export function noProxyValue(proxy: ProxySettings): string {
  return proxy.noProxy.join(",");
}
