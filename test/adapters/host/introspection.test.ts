import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { IntrospectionClient, judgeRegistration } from "../../../src/adapters/host/introspection.ts";

let server: http.Server | undefined;
afterEach(async () => {
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A fake ECS agent answering like the real one (field notes §2). */
async function fakeAgent(routes: Record<string, unknown>): Promise<string> {
  const agent = http.createServer((req, res) => {
    const body = routes[req.url ?? ""] ?? { AvailableCommands: Object.keys(routes) };
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  });
  server = agent;
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  const { port } = agent.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function closedPort(): Promise<string> {
  const url = await fakeAgent({});
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  return url;
}

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef";

describe("IntrospectionClient", () => {
  it("reads the agent's metadata", async () => {
    const url = await fakeAgent({
      "/v1/metadata": {
        Cluster: "edge",
        ContainerInstanceArn: ARN,
        Version: "Amazon ECS Agent - v1.2.3 (abcdef0)",
      },
    });
    expect(await new IntrospectionClient(url).metadata()).toEqual({
      state: "ok",
      cluster: "edge",
      containerInstanceArn: ARN,
      version: "Amazon ECS Agent - v1.2.3 (abcdef0)",
    });
  });

  it("says connection refused when no agent listens (not running, or not registered yet)", async () => {
    const metadata = await new IntrospectionClient(await closedPort()).metadata();
    expect(metadata).toEqual({ state: "unreachable", error: "connection refused" });
  });

  it("lists tasks with their containers", async () => {
    const url = await fakeAgent({
      "/v1/tasks": {
        Tasks: [
          {
            Arn: "arn:aws:ecs:eu-west-1:123456789012:task/edge/1",
            KnownStatus: "RUNNING",
            Family: "web",
            Version: "3",
            Containers: [
              { DockerId: "d1", DockerName: "ecs-web-3", Name: "web", Image: "nginx", ImageID: "sha" },
            ],
          },
        ],
      },
    });
    const tasks = await new IntrospectionClient(`${url}/`).tasks();
    expect(tasks).toEqual({
      state: "ok",
      tasks: [
        {
          arn: "arn:aws:ecs:eu-west-1:123456789012:task/edge/1",
          knownStatus: "RUNNING",
          family: "web",
          version: "3",
          containers: [{ dockerId: "d1", dockerName: "ecs-web-3", name: "web", image: "nginx" }],
        },
      ],
    });
  });
});

describe("judgeRegistration", () => {
  it("accepts only a registered agent in the expected cluster (stricter than the agent's own check)", () => {
    const ok = { state: "ok", cluster: "edge", containerInstanceArn: ARN, version: "v1" } as const;
    expect(judgeRegistration(ok, "edge")).toBeUndefined();
    expect(
      judgeRegistration({ ...ok, cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/edge" }, "edge"),
    ).toBeUndefined();
    expect(judgeRegistration({ ...ok, containerInstanceArn: null }, "edge")).toMatch(
      /has not registered yet/,
    );
    expect(judgeRegistration({ ...ok, cluster: "staging" }, "edge")).toBe(
      "the ECS agent is registered to cluster staging, not edge",
    );
    expect(judgeRegistration({ state: "unreachable", error: "connection refused" }, "edge")).toMatch(
      /unreachable \(connection refused\): the agent is not running or not registered yet/,
    );
  });
});
