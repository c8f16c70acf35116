import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDocker } from "../fixtures/docker.ts";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "fake-docker-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("fake Docker daemon", () => {
  it("answers /_ping on ROOT/var/run/docker.sock: OK when healthy, 500 when not; gone after stop", async () => {
    const docker = await startFakeDocker(root);
    expect(docker.socketPath).toBe(join(root, "var/run/docker.sock"));
    expect(await get(docker.socketPath, "/_ping")).toEqual({ status: 200, body: "OK" });
    expect((await get(docker.socketPath, "/v1.43/_ping")).status).toBe(200);
    expect(JSON.parse((await get(docker.socketPath, "/version")).body)).toMatchObject({ ApiVersion: "1.43" });
    docker.setHealthy(false);
    expect((await get(docker.socketPath, "/_ping")).status).toBe(500);
    docker.setHealthy(true);
    expect((await get(docker.socketPath, "/_ping")).status).toBe(200);
    await docker.stop();
    expect(existsSync(docker.socketPath)).toBe(false);
    await expect(get(docker.socketPath, "/_ping")).rejects.toThrow();
  });

  it("can start unhealthy", async () => {
    const docker = await startFakeDocker(root, { healthy: false });
    try {
      expect((await get(docker.socketPath, "/_ping")).status).toBe(500);
    } finally {
      await docker.stop();
    }
  });
});
