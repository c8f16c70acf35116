// What the code that reaches AWS and downloads needs to know of a proxy: where requests go, and how a proxied
// connection fails. No node:tls or node:https here: a probe that only names these errors loads neither
// (proxy-agent.ts, which opens the tunnels, is imported when a proxy is configured).
import { isIP } from "node:net";

/** Where requests go: the proxy per scheme, and the hosts reached directly (Go's NO_PROXY rules). */
export interface ProxyRoute {
  http: string;
  https: string;
  noProxy: readonly string[];
}

/** A proxy's answer that was not 200 to CONNECT; the message names the proxy's host and port, never credentials. */
export class ProxyConnectError extends Error {
  override readonly name = "ProxyConnectError";
  constructor(
    message: string,
    readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

/**
 * The proxy could not be reached at all (refused, no such host, unreachable); the message names it by host and port
 * only, with Node's code and the target. Its name stays "Error" and `code` is Node's, as for any connection that
 * failed, so the SDK retries it and toAwsCallError (errors.ts) reads the code.
 */
export class ProxyUnreachableError extends Error {
  constructor(
    /** `host:port`, never its credentials. */
    readonly proxy: string,
    readonly code: string,
    target: string,
  ) {
    super(`cannot reach the proxy ${proxy} (${code}) for ${target}`);
  }

  /** The same failure, naming the target as the caller knows it (a URL rather than host:port). */
  for(target: string): ProxyUnreachableError {
    return new ProxyUnreachableError(this.proxy, this.code, target);
  }
}

/** Whether the IPv4 address `ip` falls in the IPv4 CIDR block `cidr` ("10.0.0.0/8"); false for anything else. */
export function inCidr(ip: string, cidr: string): boolean {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  const address = ipv4(ip);
  const network = ipv4(match?.[1] ?? "");
  const bits = Number(match?.[2]);
  if (address === undefined || network === undefined || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (address & mask) >>> 0 === (network & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split(".").reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}
