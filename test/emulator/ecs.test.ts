import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DeregisterContainerInstanceCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListTagsForResourceCommand,
  paginateListClusters,
  paginateListContainerInstances,
  RegisterContainerInstanceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContainerInstancesStateCommand,
} from "@aws-sdk/client-ecs";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateActivationCommand, DeregisterManagedInstanceCommand } from "@aws-sdk/client-ssm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorError, startEmulator } from "./index.ts";
import { clients, rejection, SSM_TRUST } from "./sdk-clients.ts";

const NOW = new Date("2025-03-01T12:00:00.000Z");
let emu: Emulator;
let c: ReturnType<typeof clients>;

beforeEach(async () => {
  emu = await startEmulator({ now: () => NOW });
  c = clients(emu.url, { region: "eu-west-3" });
});
afterEach(() => emu.stop());

/** Registers `n` mi- hosts through the SSM hook. */
async function hosts(n: number): Promise<string[]> {
  await c.iam.send(
    new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: SSM_TRUST }),
  );
  const a = await c.ssm.send(
    new CreateActivationCommand({ IamRole: "ECSAnywhereRole", RegistrationLimit: n }),
  );
  return Array.from(
    { length: n },
    () =>
      emu.registerManagedInstance({
        activationId: a.ActivationId ?? "",
        activationCode: a.ActivationCode ?? "",
        region: "eu-west-3",
      }).managedInstanceId,
  );
}

describe("clusters", () => {
  it("creates (idempotently), describes with tags and failures, and deletes", async () => {
    const created = await c.ecs.send(
      new CreateClusterCommand({ clusterName: "edge", tags: [{ key: "managed-by", value: "agent" }] }),
    );
    expect(created.cluster).toMatchObject({
      clusterArn: "arn:aws:ecs:eu-west-3:123456789012:cluster/edge",
      clusterName: "edge",
      status: "ACTIVE",
      registeredContainerInstancesCount: 0,
      tags: [{ key: "managed-by", value: "agent" }],
    });
    const again = await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    expect(again.cluster?.clusterArn).toBe(created.cluster?.clusterArn);
    expect(again.cluster?.tags).toEqual([{ key: "managed-by", value: "agent" }]);

    const described = await c.ecs.send(
      new DescribeClustersCommand({
        clusters: ["edge", "arn:aws:ecs:eu-west-3:123456789012:cluster/nope"],
        include: ["TAGS"],
      }),
    );
    expect(described.clusters?.map((x) => [x.clusterName, x.tags])).toEqual([
      ["edge", [{ key: "managed-by", value: "agent" }]],
    ]);
    expect(described.failures).toEqual([
      { arn: "arn:aws:ecs:eu-west-3:123456789012:cluster/nope", reason: "MISSING" },
    ]);
    const withoutTags = await c.ecs.send(new DescribeClustersCommand({ clusters: ["edge"] }));
    expect(withoutTags.clusters?.[0]?.tags).toBeUndefined();

    const deleted = await c.ecs.send(new DeleteClusterCommand({ cluster: "edge" }));
    expect(deleted.cluster?.status).toBe("INACTIVE");
    const after = await c.ecs.send(new DescribeClustersCommand({ clusters: ["edge"] }));
    expect(after.clusters?.[0]?.status).toBe("INACTIVE");
    const missing = await rejection(c.ecs.send(new DeleteClusterCommand({ cluster: "edge" })));
    expect(missing.name).toBe("ClusterNotFoundException");

    // Clusters are regional.
    const other = await clients(emu.url, { region: "us-east-1" }).ecs.send(
      new DescribeClustersCommand({ clusters: ["edge"] }),
    );
    expect(other.failures?.[0]?.reason).toBe("MISSING");
  });

  it("rejects bad names and refuses to delete a cluster with instances", async () => {
    const bad = await rejection(c.ecs.send(new CreateClusterCommand({ clusterName: "bad name" })));
    expect(bad.name).toBe("InvalidParameterException");
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const [mi = ""] = await hosts(1);
    emu.registerContainerInstance({ cluster: "edge", managedInstanceId: mi });
    const e = await rejection(c.ecs.send(new DeleteClusterCommand({ cluster: "edge" })));
    expect(e.name).toBe("ClusterContainsContainerInstancesException");
    expect(e.message).toBe("The Cluster cannot be deleted while Container Instances are active or draining.");
  });
});

describe("ListClusters", () => {
  it("lists the region's ACTIVE clusters, every page, and the ones made at start", async () => {
    const seeded = await startEmulator({ clusters: [{ name: "seed", region: "eu-west-3" }] });
    try {
      const own = clients(seeded.url, { region: "eu-west-3" });
      for (const name of ["b", "a", "gone"])
        await own.ecs.send(new CreateClusterCommand({ clusterName: name }));
      await own.ecs.send(new DeleteClusterCommand({ cluster: "gone" }));
      await clients(seeded.url, { region: "us-east-1" }).ecs.send(
        new CreateClusterCommand({ clusterName: "far" }),
      );
      const arns: string[] = [];
      for await (const page of paginateListClusters({ client: own.ecs }, {}))
        arns.push(...(page.clusterArns ?? []));
      expect(arns.map((arn) => arn.split("/").pop())).toEqual(["a", "b", "seed"]);
      const first = await own.ecs.send(new ListClustersCommand({ maxResults: 1 }));
      expect(first.clusterArns).toEqual(["arn:aws:ecs:eu-west-3:123456789012:cluster/a"]);
      expect(first.nextToken).toBeDefined();
      expect(seeded.calls().find((call) => call.action === "ListClusters")?.mutating).toBe(false);
    } finally {
      await seeded.stop();
    }
  });
});

describe("container instances", () => {
  it("registers through the hook and describes, lists (paged), drains and deregisters", async () => {
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const mis = await hosts(3);
    const arns = mis.map(
      (mi) => emu.registerContainerInstance({ cluster: "edge", managedInstanceId: mi }).containerInstanceArn,
    );
    for (const arn of arns) {
      expect(arn).toMatch(/^arn:aws:ecs:eu-west-3:123456789012:container-instance\/edge\/[0-9a-f]{32}$/);
    }
    // Same host again (agent restarted with its agent.db): same container instance.
    expect(
      emu.registerContainerInstance({ cluster: "edge", managedInstanceId: mis[0] ?? "" })
        .containerInstanceArn,
    ).toBe(arns[0]);

    const d = await c.ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: "edge",
        containerInstances: [arns[0] ?? "", (arns[1] ?? "").split("/").pop() ?? "", "0".repeat(32)],
        include: ["TAGS"],
      }),
    );
    expect(d.containerInstances?.map((ci) => ci.ec2InstanceId)).toEqual(mis.slice(0, 2));
    expect(d.containerInstances?.[0]).toMatchObject({
      containerInstanceArn: arns[0],
      status: "ACTIVE",
      agentConnected: true,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      registeredAt: NOW,
      tags: [],
    });
    expect(d.containerInstances?.[0]?.versionInfo?.agentVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(d.failures).toEqual([
      {
        arn: `arn:aws:ecs:eu-west-3:123456789012:container-instance/edge/${"0".repeat(32)}`,
        reason: "MISSING",
      },
    ]);

    const listed: string[] = [];
    for await (const page of paginateListContainerInstances({ client: c.ecs }, { cluster: "edge" })) {
      listed.push(...(page.containerInstanceArns ?? []));
    }
    expect(listed).toEqual(arns);

    const drained = await c.ecs.send(
      new UpdateContainerInstancesStateCommand({
        cluster: "edge",
        containerInstances: [arns[1] ?? ""],
        status: "DRAINING",
      }),
    );
    expect(drained.containerInstances?.[0]?.status).toBe("DRAINING");
    const draining = await c.ecs.send(
      new ListContainerInstancesCommand({ cluster: "edge", status: "DRAINING" }),
    );
    expect(draining.containerInstanceArns).toEqual([arns[1]]);

    const out = await c.ecs.send(
      new DeregisterContainerInstanceCommand({ cluster: "edge", containerInstance: arns[2], force: true }),
    );
    expect(out.containerInstance?.status).toBe("INACTIVE");
    const remaining = await c.ecs.send(
      new ListContainerInstancesCommand({ cluster: "edge", maxResults: 100 }),
    );
    expect(remaining.containerInstanceArns).toEqual(arns.slice(0, 2));
    expect(emu.state.containerInstances[arns[2] ?? ""]?.status).toBe("INACTIVE");
    expect(
      emu.state.clusters["arn:aws:ecs:eu-west-3:123456789012:cluster/edge"]
        ?.registeredContainerInstancesCount,
    ).toBe(2);
  });

  it("reports the agent disconnected once the SSM registration is gone", async () => {
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const [mi = ""] = await hosts(1);
    const { containerInstanceArn } = emu.registerContainerInstance({
      cluster: "edge",
      managedInstanceId: mi,
    });
    await c.ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: mi }));
    const d = await c.ecs.send(
      new DescribeContainerInstancesCommand({ cluster: "edge", containerInstances: [containerInstanceArn] }),
    );
    expect(d.containerInstances?.[0]?.agentConnected).toBe(false);
  });

  it("registers through the API too", async () => {
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const out = await c.ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: "edge",
        instanceIdentityDocument: JSON.stringify({ instanceId: "mi-0123456789abcdef0" }),
        tags: [{ key: "a", value: "b" }],
      }),
    );
    expect(out.containerInstance?.ec2InstanceId).toBe("mi-0123456789abcdef0");
    expect(out.containerInstance?.tags).toEqual([{ key: "a", value: "b" }]);
  });

  it("fails the hook and the API for missing clusters and unknown hosts", async () => {
    const [mi = ""] = await hosts(1);
    let e: unknown;
    try {
      emu.registerContainerInstance({ cluster: "nope", managedInstanceId: mi });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(EmulatorError);
    expect((e as EmulatorError).code).toBe("ClusterNotFoundException");
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    expect(() =>
      emu.registerContainerInstance({ cluster: "edge", managedInstanceId: "mi-00000000000000000" }),
    ).toThrow(/not registered/);

    for (const send of [
      () => c.ecs.send(new DescribeContainerInstancesCommand({ cluster: "nope", containerInstances: ["x"] })),
      () => c.ecs.send(new ListContainerInstancesCommand({ cluster: "nope" })),
      () => c.ecs.send(new DeregisterContainerInstanceCommand({ cluster: "nope", containerInstance: "x" })),
    ]) {
      expect((await rejection(send())).name).toBe("ClusterNotFoundException");
    }
    const notFound = await rejection(
      c.ecs.send(
        new DeregisterContainerInstanceCommand({ cluster: "edge", containerInstance: "0".repeat(32) }),
      ),
    );
    expect(notFound.name).toBe("InvalidParameterException");
    const badToken = await rejection(
      c.ecs.send(new ListContainerInstancesCommand({ cluster: "edge", nextToken: "x" })),
    );
    expect(badToken.name).toBe("InvalidParameterException");
  });
});

describe("tags", () => {
  it("tags, lists and untags clusters and container instances", async () => {
    const { cluster } = await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    const clusterArn = cluster?.clusterArn ?? "";
    await c.ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: "a", value: "1" }] }));
    await c.ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: "b", value: "2" }] }));
    await c.ecs.send(new UntagResourceCommand({ resourceArn: clusterArn, tagKeys: ["a"] }));
    expect((await c.ecs.send(new ListTagsForResourceCommand({ resourceArn: clusterArn }))).tags).toEqual([
      { key: "b", value: "2" },
    ]);

    const [mi = ""] = await hosts(1);
    const { containerInstanceArn } = emu.registerContainerInstance({
      cluster: "edge",
      managedInstanceId: mi,
    });
    await c.ecs.send(
      new TagResourceCommand({ resourceArn: containerInstanceArn, tags: [{ key: "host", value: "h1" }] }),
    );
    expect(emu.state.containerInstances[containerInstanceArn]?.tags).toEqual({ host: "h1" });

    const missing = await rejection(
      c.ecs.send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:eu-west-3:123456789012:container-instance/edge/${"0".repeat(32)}`,
        }),
      ),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
  });
});
