import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFixture } from "./host-fixture.ts";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
});
afterEach(() => host.stop());

/** A fake ECS agent answering /v1/metadata like the real one (field notes §2). */
async function fakeAgent(cluster: string, arn: string | null): Promise<string> {
  return host.serve((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/v1/metadata") {
      res.end(
        JSON.stringify({
          Cluster: cluster,
          ContainerInstanceArn: arn,
          Version: "Amazon ECS Agent - v1.2.3 (abc)",
        }),
      );
    } else res.end(JSON.stringify({ AvailableCommands: ["/v1/metadata"] }));
  });
}

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/staging/0123456789abcdef";

describe("the existing-registration check", () => {
  it("fails with the --move remediation when saved state and ecs.config name another cluster", async () => {
    await host.write("/var/lib/ecs/data/agent.db", "bbolt");
    await host.write("/var/lib/ecs/ecs.config", "ECS_CLUSTER=edge\n");
    await host.write("/etc/ecs/ecs.config", "ECS_CLUSTER=staging\n"); // field notes §3: this file wins
    const run = await host.check({}, "text");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL existing-registration: this host is registered to cluster staging \(per \/etc\/ecs\/ecs\.config; .*\), not edge\n {2}fix: run register --move to move this host to edge$/m,
    );
  });

  it("believes the running agent over the config files", async () => {
    await host.write("/etc/ecs/ecs.config", "ECS_CLUSTER=edge\n");
    host.agentUrl = await fakeAgent("staging", ARN);
    const result = (await host.check()).result("existing-registration");
    expect(result).toMatchObject({
      status: "failed",
      summary: "this host is registered to cluster staging (per the running ECS agent), not edge",
      remediation: "run register --move to move this host to edge",
    });
  });

  it("passes when the running agent is registered to the desired cluster, given as an ARN", async () => {
    host.agentUrl = await fakeAgent("arn:aws:ecs:eu-west-1:123456789012:cluster/edge", ARN);
    const result = (await host.check()).result("existing-registration");
    expect(result).toMatchObject({
      id: "existing-registration",
      status: "ok",
      summary: "already registered to edge (per the running ECS agent)",
    });
  });

  it("passes when saved state exists for the desired cluster", async () => {
    await host.write("/var/lib/ecs/data/agent.db", "bbolt");
    await host.write("/etc/ecs/ecs.config", "ECS_CLUSTER=edge\n");
    const result = (await host.check()).result("existing-registration");
    expect(result.status).toBe("ok");
    expect(result.summary).toMatch(/^already registered to edge/);
  });

  it("treats saved state without ECS_CLUSTER as the default cluster", async () => {
    await host.write("/var/lib/ecs/data/agent.db", "bbolt");
    const result = (await host.check()).result("existing-registration");
    expect(result).toMatchObject({
      status: "failed",
      remediation: "run register --move to move this host to edge",
    });
    expect(result.summary).toMatch(/registered to cluster default/);
  });

  it("passes on a host that was never registered", async () => {
    await host.write("/etc/ecs/ecs.config", "ECS_CLUSTER=staging\n");
    expect((await host.check()).result("existing-registration")).toMatchObject({
      status: "ok",
      summary: "not registered with ECS yet",
    });
  });
});
