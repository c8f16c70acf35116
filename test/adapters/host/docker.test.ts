import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pingDocker } from "../../../src/adapters/host/docker.ts";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { DOCKER } from "../../../src/components/docker/files.ts";

describe("pingDocker", () => {
  let dir: string;
  let socket: string;
  let server: http.Server | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "docker-ping-"));
    socket = path.join(dir, "docker.sock");
  });
  afterEach(async () => {
    if (server) await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function dockerd(handler: http.RequestListener): Promise<void> {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
  }

  it("sends GET /_ping over the unix socket and reports the API version", async () => {
    const seen: string[] = [];
    await dockerd((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader("Api-Version", "1.45");
      res.end("OK");
    });
    expect(await pingDocker(socket, 2_000)).toEqual({
      ok: true,
      message: `Docker answered on ${socket} (API 1.45)`,
    });
    expect(seen).toEqual(["GET /_ping"]);
  });

  it("is not ok when dockerd answers with an error", async () => {
    await dockerd((_req, res) => {
      res.statusCode = 500;
      res.end("daemon is shutting down");
    });
    expect(await pingDocker(socket, 2_000)).toEqual({
      ok: false,
      message: `Docker answered HTTP 500 on ${socket}`,
    });
  });

  it("is not ok when nothing listens on the socket", async () => {
    const result = await pingDocker(socket, 2_000);
    expect(result).toEqual({ ok: false, message: `cannot reach Docker on ${socket}: ENOENT` });
  });

  it("gives up after the timeout when dockerd hangs", async () => {
    await dockerd(() => {});
    const result = await pingDocker(socket, 100);
    expect(result).toEqual({ ok: false, message: `Docker did not answer on ${socket} within 100 ms` });
  });

  it("finds the default socket under the host root", () => {
    expect(new HostFs(dir).resolve(DOCKER.socket)).toBe(path.join(dir, "var/run/docker.sock"));
  });
});
