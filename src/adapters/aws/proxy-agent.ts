// The agent's own AWS SDK calls through an HTTP proxy (field notes §10.7): the SDK reads no proxy variable, so its
// NodeHttpHandler gets agents that open each connection as a CONNECT tunnel through the proxy (RFC 9110 §9.3.6),
// then speak TLS (https://) or plain HTTP (http://, test endpoints) inside it. Built on node:net and node:tls only.
import { type AgentOptions, type ClientRequestArgs, Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";
import { isIP, connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { inCidr, ProxyConnectError, type ProxyRoute, ProxyUnreachableError } from "./proxy-route.ts";

/** The most a proxy's answer to CONNECT may be before it counts as broken. */
const MAX_ANSWER = 16 * 1024;

/**
 * Whether `host:port` bypasses the proxy: `*`; an IP, or an IPv4 CIDR block it falls in; a domain (`example.com`
 * matches it and its subdomains, `.example.com` only the subdomains); any of these with `:port`. Other entries
 * (a socket path) match nothing (field notes §10.5).
 */
export function bypassesProxy(noProxy: readonly string[], host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  return noProxy.some((raw) => {
    let entry = raw.trim().toLowerCase();
    if (entry === "*") return true;
    const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (withPort !== null) {
      if (Number(withPort[2]) !== port) return false;
      entry = withPort[1] ?? "";
    }
    entry = entry.replace(/^\[|\]$/g, "");
    if (entry === "" || entry.startsWith("/")) return false;
    if (entry.includes("/")) return inCidr(name, entry);
    if (isIP(entry) !== 0) return entry === name;
    if (entry.startsWith(".")) return name.endsWith(entry);
    return name === entry || name.endsWith(`.${entry}`);
  });
}

/** `Basic base64(user:password)` for a proxy URL with credentials (decoded as URL userinfo is). */
function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === "" && proxy.password === "") return undefined;
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
}

/**
 * Opens a TCP connection to the proxy and asks it for a tunnel to `host:port`; calls back with the raw socket once
 * the proxy answered 200, or with an error that names the proxy by host and port only.
 */
export function openTunnel(
  proxyUrl: string,
  host: string,
  port: number,
  callback: (error: Error | null, socket?: Socket) => void,
): void {
  const proxy = new URL(proxyUrl);
  const proxyAddress = `${proxy.hostname}:${proxy.port || "80"}`;
  const where = `proxy ${proxyAddress}`;
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const socket = netConnect({ host: proxy.hostname.replace(/^\[|\]$/g, ""), port: Number(proxy.port || 80) });
  let answer = Buffer.alloc(0);
  let settled = false;
  const finish = (error: Error | null) => {
    if (settled) return;
    settled = true;
    socket.removeListener("data", onData);
    socket.removeListener("error", onError);
    socket.removeListener("close", onClose);
    if (error !== null) {
      socket.destroy();
      callback(error);
    } else callback(null, socket);
  };
  const onError = (error: NodeJS.ErrnoException) =>
    finish(new ProxyUnreachableError(proxyAddress, error.code ?? error.message, authority));
  const onClose = () =>
    finish(
      new ProxyConnectError(
        `${where} closed the connection before answering CONNECT ${authority}`,
        undefined,
      ),
    );
  const onData = (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk]);
    const end = answer.indexOf("\r\n\r\n");
    if (end < 0) {
      if (answer.length > MAX_ANSWER)
        finish(new ProxyConnectError(`${where} sent no complete answer to CONNECT`, undefined));
      return;
    }
    const statusLine = answer.subarray(0, answer.indexOf("\r\n")).toString("latin1");
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    const code = status === null ? undefined : Number(status[1]);
    if (code === 200) {
      // Nothing may follow the answer before the client speaks; anything that did belongs to the tunnel.
      const rest = answer.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      finish(null);
      return;
    }
    // 407 is the standard answer; tinyproxy's BasicAuth answers CONNECT with 401.
    const hint =
      code === 407 || code === 401
        ? " (the proxy wants other credentials: http://USER:PASSWORD@HOST:PORT)"
        : "";
    finish(
      new ProxyConnectError(
        `${where} refused CONNECT ${authority}: ${statusLine.slice(0, 120)}${hint}`,
        code,
      ),
    );
  };
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.once("connect", () => {
    const auth = proxyAuthorization(proxy);
    socket.write(
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth === undefined ? "" : `Proxy-Authorization: ${auth}\r\n`}\r\n`,
    );
  });
}

type ConnectionCallback = (error: Error | null, stream: Duplex) => void;

/** Hands the tunnel (or the error) to the agent, which waits for it (Node's Agent supports the callback form). */
function handOver(callback: ConnectionCallback | undefined, error: Error | null, stream?: Duplex): void {
  callback?.(error, stream as Duplex);
}

/**
 * One connection of a tunnel agent: `direct` (the agent's own) for a host in NO_PROXY, else a CONNECT tunnel
 * through `proxyUrl`, handed to the agent as `inside` makes it (TLS for https://, the raw tunnel for http://).
 */
function tunnelConnection(
  proxyUrl: string,
  noProxy: readonly string[],
  target: { host: string; port: number },
  callback: ConnectionCallback | undefined,
  direct: () => Duplex | null | undefined,
  inside: (raw: Socket) => Duplex = (raw) => raw,
): Duplex | null | undefined {
  if (bypassesProxy(noProxy, target.host, target.port)) return direct();
  openTunnel(proxyUrl, target.host, target.port, (error, raw) => {
    if (error !== null || raw === undefined) return handOver(callback, error ?? new Error("no tunnel"));
    handOver(callback, null, inside(raw));
  });
  return undefined;
}

function targetOf(options: ClientRequestArgs, defaultPort: number): { host: string; port: number } {
  return {
    host: String(options.host ?? options.hostname ?? "localhost"),
    port: Number(options.port ?? defaultPort),
  };
}

/**
 * The agents for the SDK's `requestHandler` (`httpAgent`, `httpsAgent`), keep-alive like the SDK's own (the
 * preflight probes take them without keep-alive). A host in
 * NO_PROXY is connected to directly, as by the default agents.
 */
export function proxyAgents(
  route: ProxyRoute,
  keepAlive = true,
): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  const options: AgentOptions = { keepAlive, maxSockets: 50 };

  class TunnelHttpsAgent extends HttpsAgent {
    override createConnection(
      options: RequestOptions,
      callback?: ConnectionCallback,
    ): Duplex | null | undefined {
      const target = targetOf(options, 443);
      const direct = () => super.createConnection(options, callback);
      return tunnelConnection(route.https, route.noProxy, target, callback, direct, (raw) => {
        const servername = options.servername ?? (isIP(target.host) === 0 ? target.host : undefined);
        const tls: ConnectionOptions = { ...(options as ConnectionOptions), socket: raw };
        return tlsConnect(servername ? { ...tls, servername } : tls);
      });
    }
  }

  class TunnelHttpAgent extends HttpAgent {
    override createConnection(
      options: ClientRequestArgs,
      callback?: ConnectionCallback,
    ): Duplex | null | undefined {
      const direct = () => super.createConnection(options, callback);
      return tunnelConnection(route.http, route.noProxy, targetOf(options, 80), callback, direct);
    }
  }

  return { httpAgent: new TunnelHttpAgent(options), httpsAgent: new TunnelHttpsAgent(options) };
}
