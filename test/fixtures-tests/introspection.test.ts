import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeIntrospection } from "../fixtures/introspection.ts";
import { writeState } from "./helpers.ts";

let root: string;
let server: Awaited<ReturnType<typeof startFakeIntrospection>>;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "fake-introspection-"));
  server = await startFakeIntrospection(root);
});
afterEach(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef";
const TASK = {
  Arn: "arn:aws:ecs:eu-west-1:123456789012:task/edge/t1",
  DesiredStatus: "RUNNING",
  KnownStatus: "RUNNING",
  Family: "web",
  Version: "3",
  Containers: [{ DockerId: "a".repeat(64), DockerName: "ecs-web-3-web", Name: "web", Image: "nginx" }],
};

describe("fake introspection API", () => {
  it("no state file: the connection is dropped without an answer", async () => {
    await expect(fetch(`${server.url}/v1/metadata`)).rejects.toThrow();
  });

  it("serves /v1/metadata from the state file, live", async () => {
    writeState(root, {
      Cluster: "edge",
      ContainerInstanceArn: ARN,
      Version: "Amazon ECS Agent - v1.89.0 (fake0001)",
    });
    const res = await fetch(`${server.url}/v1/metadata`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      Cluster: "edge",
      ContainerInstanceArn: ARN,
      Version: "Amazon ECS Agent - v1.89.0 (fake0001)",
    });
    writeState(root, { Cluster: "edge", ContainerInstanceArn: null, Version: "v" });
    expect(await (await fetch(`${server.url}/v1/metadata`)).json()).toMatchObject({
      ContainerInstanceArn: null,
    });
    writeState(root, undefined);
    await expect(fetch(`${server.url}/v1/metadata`)).rejects.toThrow();
  });

  it("/v1/tasks, ?taskarn= and ?dockerid= (400 if both, 404 if none found), unknown paths", async () => {
    writeState(root, { Cluster: "edge", ContainerInstanceArn: ARN, Version: "v" });
    expect(await (await fetch(`${server.url}/v1/tasks`)).json()).toEqual({ Tasks: [] });
    writeState(root, { Cluster: "edge", ContainerInstanceArn: ARN, Version: "v", Tasks: [TASK] });
    expect(await (await fetch(`${server.url}/v1/tasks`)).json()).toEqual({ Tasks: [TASK] });
    const byArn = await fetch(`${server.url}/v1/tasks?taskarn=${encodeURIComponent(TASK.Arn)}`);
    expect(await byArn.json()).toEqual(TASK);
    const byShortId = await fetch(`${server.url}/v1/tasks?dockerid=${"a".repeat(12)}`);
    expect(await byShortId.json()).toEqual(TASK);
    expect((await fetch(`${server.url}/v1/tasks?taskarn=x&dockerid=y`)).status).toBe(400);
    expect((await fetch(`${server.url}/v1/tasks?taskarn=nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/tasks?dockerid=${"b".repeat(64)}`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/nope`)).json()).toEqual({
      AvailableCommands: ["/v1/metadata", "/v1/tasks", "/license"],
    });
  });
});
