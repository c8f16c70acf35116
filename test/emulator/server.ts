import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type Controls, handleControl } from "./control-routes.ts";
import type { AwsReply, AwsRequest } from "./core.ts";
import { newRequestId } from "./ids.ts";

/** HTTP front: reads bodies, routes /__emulator/* to the controls and everything else to the AWS dispatcher. */

const MAX_BODY = 1024 * 1024;

export interface HttpFront {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  requestId?: string,
): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    // Real time: the SDK corrects its clock from this header.
    date: new Date().toUTCString(),
  };
  headers["x-amzn-RequestId"] = requestId ?? newRequestId();
  res.writeHead(status, headers).end(body);
}

async function answer(res: ServerResponse, req: IncomingMessage, reply: AwsReply): Promise<void> {
  if (reply.delayMs > 0) await sleep(reply.delayMs);
  if (reply.kind === "reset") {
    req.socket.destroy();
    return;
  }
  send(res, reply.status, reply.contentType, reply.body, reply.requestId);
}

export async function startHttp(
  controls: Controls,
  handleAws: (req: AwsRequest) => AwsReply,
  port = 0,
  keepAliveTimeoutMs?: number,
  peers?: readonly string[],
): Promise<HttpFront> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) {
        send(
          res,
          413,
          "application/json",
          JSON.stringify({ code: "RequestEntityTooLarge", message: "body > 1 MiB" }),
        );
        return;
      }
      const url = req.url ?? "/";
      const path = url.split("?")[0] ?? "/";
      if (path.startsWith("/__emulator/")) {
        const a = handleControl(controls, req.method ?? "GET", path, body.toString("utf8"));
        send(res, a.status, "application/json", JSON.stringify(a.body));
        return;
      }
      await answer(
        res,
        req,
        handleAws({ method: req.method ?? "GET", url, headers: req.headersDistinct, body }),
      );
    })().catch((e: unknown) => {
      send(res, 500, "application/json", JSON.stringify({ code: "InternalError", message: String(e) }));
    });
  });
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  if (peers !== undefined) {
    server.on("connection", (socket) => {
      if (!peers.includes(socket.remoteAddress ?? "")) socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
