// The daemon's HTTP health server, hardened for a port that other programs, or other hosts, can reach: GET and
// HEAD only, limits on header size, slow clients and connections, a bearer token for the routes that want one
// (compared in constant time, never logged), and a close that lets requests in flight finish. health-routes.ts
// says what each endpoint answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describeError, OperationError } from "../errors.ts";
import { crypto } from "../util/builtins.ts";
import type { Logger } from "../util/logger.ts";
import { type HealthSource, healthRoutes, type Reply, text } from "./health-routes.ts";
import { type LoopLag, monitorLoopLag } from "./loop-lag.ts";

export { DEFAULT_LISTEN, parseListen } from "./listen.ts";

export interface HealthServerOptions {
  source: HealthSource;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /**
   * Bearer token required for /status and /metrics when set (read from a file by the caller). An empty token is
   * one no request can present: those two endpoints then answer 401 to everyone.
   */
  token?: string;
  /** Refused requests at debug, handler errors at warn; never the token. */
  log: Logger;
  /** Max event-loop lag for /livez to say alive, ms (default 2000). */
  maxLoopLagMs?: number;
  /** Overrides of the slow-client limits (tests use small ones). */
  timeouts?: { headersMs?: number; requestMs?: number; idleMs?: number };
  /** The lag measure /livez reads; by default the server runs its own and stops it on close. */
  loopLag?: LoopLag;
}

export interface HealthServer {
  address: { host: string; port: number };
  /** Stops accepting, ends idle keep-alive sockets, lets requests in flight finish until the deadline (ms). */
  close(deadlineMs?: number): Promise<void>;
  /** Replaces the token (SIGHUP); undefined turns authentication off. */
  setToken(token: string | undefined): void;
}

const LIMITS = {
  headersMs: 5_000,
  requestMs: 10_000,
  idleMs: 30_000,
  keepAliveMs: 5_000,
  maxHeaderBytes: 8 * 1024,
  // Leaves room above a thousand concurrent scrapers and probes; each connection costs a socket, nothing more.
  maxConnections: 2_048,
  closeDeadlineMs: 5_000,
};

/** Starts the daemon's HTTP health server: /livez, /readyz, /status and /metrics, GET and HEAD only. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { source, log } = options;
  const maxLagMs = options.maxLoopLagMs ?? 2_000;
  const loopLag = options.loopLag ?? monitorLoopLag(Math.max(10, Math.min(500, maxLagMs / 2)));
  const stopOwnLag = () => {
    if (options.loopLag === undefined) loopLag.stop();
  };
  let expectedDigest = digestOf(options.token);
  let closing: Promise<void> | undefined;

  const routes = healthRoutes(source, loopLag, maxLagMs);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "").split("?", 1)[0] ?? "";
    const route = routes.get(path);
    const refuse = (reply: Reply, reason: string) => {
      log.debug(
        { method: req.method, path: path.slice(0, 200), remote: req.socket.remoteAddress, reason },
        "refused a health request",
      );
      send(res, reply, true);
    };
    if (route === undefined) return refuse(text(404, "not found\n"), "unknown path");
    if (req.method !== "GET" && req.method !== "HEAD") {
      return refuse(text(405, "method not allowed\n", { Allow: "GET, HEAD" }), "method not allowed");
    }
    if (route.auth && expectedDigest !== undefined) {
      const refused = checkBearer(req.headers.authorization, expectedDigest);
      if (refused !== undefined)
        return refuse(text(401, "unauthorized\n", { "WWW-Authenticate": "Bearer" }), refused);
    }
    let reply: Reply;
    try {
      reply = await route.answer();
    } catch (error) {
      log.warn({ path, error: describeError(error) }, "health endpoint failed");
      reply = text(500, "internal error\n");
    }
    send(res, reply, closing !== undefined || carriesBody(req));
  };

  const headersMs = options.timeouts?.headersMs ?? LIMITS.headersMs;
  const server = createServer(
    {
      maxHeaderSize: LIMITS.maxHeaderBytes,
      headersTimeout: headersMs,
      requestTimeout: options.timeouts?.requestMs ?? LIMITS.requestMs,
      // Node enforces the two timeouts above only as often as it checks (every 30 s by default).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, headersMs / 4)),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log.warn({ error: describeError(error) }, "health request failed");
        res.destroy();
      });
    },
  );
  server.keepAliveTimeout = LIMITS.keepAliveMs;
  server.maxConnections = LIMITS.maxConnections;
  server.setTimeout(options.timeouts?.idleMs ?? LIMITS.idleMs);
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    log.debug({ code: error.code, remote: socket.remoteAddress }, "bad health request");
    // What Node answers when nobody listens for clientError (this listener replaces that), on a connection
    // not answered yet; otherwise only the close.
    if (socket.writable && socket.bytesWritten === 0)
      socket.write(CLIENT_ERROR_ANSWERS[error.code ?? ""] ?? BAD);
    socket.destroy();
  });
  const address = await listenOn(server, options.host, options.port).catch((error: unknown) => {
    stopOwnLag();
    throw error;
  });
  server.on("error", (error) => log.warn({ error: describeError(error) }, "health server error"));
  log.info(address, "health server listening");

  return {
    address,
    setToken: (token) => {
      expectedDigest = digestOf(token);
    },
    close: (deadlineMs = LIMITS.closeDeadlineMs) => {
      closing ??= new Promise<void>((resolve) => {
        stopOwnLag();
        const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Listens, or throws one line saying where and why not (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
async function listenOn(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, backlog: LIMITS.maxConnections }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    const code = (error as NodeJS.ErrnoException).code ?? describeError(error);
    throw new OperationError(`health server: cannot listen on ${where} (${code})`, {
      remediation: "choose another address (--listen, health.listen) or stop what listens there",
    });
  }
  const bound = server.address() as AddressInfo;
  return { host: bound.address, port: bound.port };
}

/** Writes the reply with the headers every answer carries; HEAD gets the same headers and no body. */
function send(res: ServerResponse, reply: Reply, close: boolean): void {
  res.writeHead(reply.status, {
    "Content-Type": reply.contentType,
    "Content-Length": Buffer.byteLength(reply.body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    ...reply.headers,
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(res.req.method === "HEAD" ? undefined : reply.body);
}

const digestOf = (token: string | undefined) =>
  token === undefined ? undefined : crypto().createHash("sha256").update(token).digest();

/** Why the Authorization header does not carry the token, or undefined when it does (compared in constant time). */
function checkBearer(header: string | undefined, expected: Buffer): string | undefined {
  const presented = /^Bearer +(\S+) *$/i.exec(header ?? "")?.[1];
  if (presented === undefined) return header === undefined ? "no credentials" : "not a bearer token";
  return crypto().timingSafeEqual(digestOf(presented) as Buffer, expected) ? undefined : "wrong token";
}

/** A request body is never read: answering one closes the connection rather than draining it. */
function carriesBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

const BAD = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
const CLIENT_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
  ERR_HTTP_REQUEST_TIMEOUT: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
};
