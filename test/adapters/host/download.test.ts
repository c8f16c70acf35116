import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download } from "../../../src/adapters/host/download.ts";

const MIB = 1024 * 1024;
let server: http.Server;
let base = "";
let sent = 0;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === "/script") return void response.end("#!/bin/bash\n");
    if (request.url === "/missing") {
      response.writeHead(404);
      return void response.end("not here");
    }
    // A body that never says how long it is, and would go on for 64 MiB.
    response.writeHead(200);
    const chunk = Buffer.alloc(MIB, 0x61);
    const write = () => {
      while (sent < 64 * MIB) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once("drain", write);
      }
      response.end();
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("download", () => {
  it("returns the body of a 2xx answer and names the status of any other", async () => {
    const ok = await download(`${base}/script`, 5_000);
    expect(ok.ok && ok.body.toString()).toBe("#!/bin/bash\n");
    expect(await download(`${base}/missing`, 5_000)).toEqual({ ok: false, error: "HTTP 404" });
  });

  it("stops reading a body past 16 MiB instead of buffering it whole", async () => {
    expect(await download(`${base}/endless`, 10_000)).toEqual({
      ok: false,
      error: `larger than ${16 * MIB} bytes`,
    });
    expect(sent).toBeLessThan(64 * MIB);
  });
});
