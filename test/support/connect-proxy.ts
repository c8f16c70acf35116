/**
 * A loopback HTTP proxy that only tunnels: CONNECT HOST:PORT opens a TCP connection there (what the agent's proxy
 * agents ask of a proxy, field notes §10.7); any other request is answered 405. It records each CONNECT target.
 */
import http from "node:http";
import { type AddressInfo, connect } from "node:net";

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The HOST:PORT of every CONNECT so far, in order. */
  tunnels: string[];
  stop(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const server = http.createServer((_request, response) => {
    response.writeHead(405);
    response.end();
  });
  server.on("connect", (request: http.IncomingMessage, client, head: Buffer) => {
    tunnels.push(request.url ?? "");
    const [, host = "", port = ""] = /^(.*):(\d+)$/.exec(request.url ?? "") ?? [];
    const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ""), () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
