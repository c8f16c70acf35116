import { isIPv4, isIPv6 } from "node:net";
import { UsageError } from "../errors.ts";

/** Where the health server listens unless told otherwise: loopback, the documented fixed port. */
export const DEFAULT_LISTEN = "127.0.0.1:9745";

/**
 * Parses --listen / health.listen: "HOST:PORT", an IPv6 host in brackets ("[::1]:9745"). HOST is an IP address
 * or localhost (127.0.0.1). A non-loopback host only when `allowNonLoopback`: /livez and /readyz answer anyone.
 */
export function parseListen(
  text: string,
  what: string,
  allowNonLoopback: boolean,
): { host: string; port: number } {
  const trimmed = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(trimmed);
  const usage = "HOST:PORT, e.g. 127.0.0.1:9745 or [::1]:9745";
  if (match === null) throw new UsageError(`${what}: ${JSON.stringify(text)} is not ${usage}`);
  const [, bracketed, plain, digits] = match;
  const port = Number(digits);
  // 0: any free port; the daemon logs the one it got ("serving").
  if (port > 65_535) throw new UsageError(`${what}: port ${digits} is not from 0 to 65535`);
  const host = bracketed ?? (plain === "localhost" ? "127.0.0.1" : (plain as string));
  const ipv6 = bracketed !== undefined;
  if (ipv6 ? !isIPv6(host) : !isIPv4(host)) {
    const expected = ipv6 ? "an IPv6 address" : "an IPv4 address, localhost, or an IPv6 address in brackets";
    throw new UsageError(`${what}: ${JSON.stringify(host)} is not ${expected}`);
  }
  if (!allowNonLoopback && !isLoopback(host)) {
    throw new UsageError(
      `${what}: ${host} is not a loopback address (/livez and /readyz answer without a token)`,
      {
        remediation: "listen on 127.0.0.1 or [::1], or allow a non-loopback address explicitly",
      },
    );
  }
  return { host, port };
}

function isLoopback(host: string): boolean {
  if (isIPv4(host)) return host.startsWith("127.");
  try {
    // The URL parser writes an IPv6 address in its shortest form ("0:0:0:0:0:0:0:1" -> "[::1]").
    return new URL(`http://[${host}]/`).hostname === "[::1]";
  } catch {
    return false; // a zone index ("fe80::1%eth0"): link-local, never loopback
  }
}
