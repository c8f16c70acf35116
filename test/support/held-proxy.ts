/**
 * A loopback HTTP proxy that holds every request until `open()`, then forwards it (and all later ones) to
 * `upstream`. In front of a server a process must reach before it can go on, it keeps that process waiting for
 * as long as a test needs: the daemon's first probe pass, say, so that its unit stays "activating".
 *
 * ```ts
 * const gate = await startHeldProxy(host.introspectionUrl);
 * // ... start the daemon with --ecs-agent-url gate.url
 * await gate.firstRequest;
 * gate.open();
 * ```
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface HeldProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Resolves when the first request arrives. */
  firstRequest: Promise<void>;
  /** How many requests arrived so far, held or forwarded. */
  received(): number;
  /** Forwards the held requests whose clients still wait, and every later one at once. */
  open(): void;
  stop(): Promise<void>;
}

export async function startHeldProxy(upstream: string): Promise<HeldProxy> {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let received = 0;

  const server = createServer((req, res) => {
    received++;
    arrived();
    void opened.then(() => {
      if (req.socket.destroyed) return; // the client gave up while held
      const forwarded = request(
        new URL(req.url ?? "/", upstream),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // The upstream hung up without an answer (the fake agent does when it "is not running"): so does the proxy.
      forwarded.on("error", () => res.destroy());
      req.pipe(forwarded);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    firstRequest,
    received: () => received,
    open,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
