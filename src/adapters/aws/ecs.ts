import {
  CreateClusterCommand,
  DeregisterContainerInstanceCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  type ECSClient,
  paginateListClusters,
  UpdateContainerInstancesStateCommand,
} from "@aws-sdk/client-ecs";
import { awsCall, awsCallRequired } from "./errors.ts";
import type { ClusterInfo, EcsPort } from "./ports.ts";

export function createEcsPort(client: ECSClient): EcsPort {
  const ctx = (action: string, resource?: string) => ({
    service: "ecs" as const,
    action,
    ...(resource === undefined ? {} : { resource }),
  });

  const setState = (cluster: string, arn: string, status: "ACTIVE" | "DRAINING") =>
    awsCall(ctx("UpdateContainerInstancesState", arn), () =>
      client.send(new UpdateContainerInstancesStateCommand({ cluster, containerInstances: [arn], status })),
    );

  return {
    async describeCluster(name) {
      const out = await awsCallRequired(ctx("DescribeClusters", `cluster/${name}`), () =>
        client.send(new DescribeClustersCommand({ clusters: [name] })),
      );
      const cluster = out.clusters?.[0];
      if (!cluster?.clusterName) return undefined;
      return {
        name: cluster.clusterName,
        arn: cluster.clusterArn ?? "",
        status: cluster.status ?? "UNKNOWN",
      };
    },
    async createCluster(name, tags) {
      const out = await awsCallRequired(ctx("CreateCluster", `cluster/${name}`), () =>
        client.send(
          new CreateClusterCommand({
            clusterName: name,
            tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
          }),
        ),
      );
      const cluster = out.cluster;
      return {
        name: cluster?.clusterName ?? name,
        arn: cluster?.clusterArn ?? "",
        status: cluster?.status ?? "UNKNOWN",
      } satisfies ClusterInfo;
    },
    async listClusterNames() {
      const names: string[] = [];
      await awsCall(ctx("ListClusters"), async () => {
        for await (const page of paginateListClusters({ client }, {})) {
          for (const arn of page.clusterArns ?? []) names.push(arn.slice(arn.lastIndexOf("/") + 1));
        }
      });
      return names;
    },
    async describeContainerInstances(cluster, arns) {
      if (arns.length === 0) return [];
      const out = await awsCallRequired(ctx("DescribeContainerInstances", `cluster/${cluster}`), () =>
        client.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: arns })),
      );
      return (out.containerInstances ?? []).map((ci) => ({
        arn: ci.containerInstanceArn ?? "",
        ...(ci.ec2InstanceId ? { ec2InstanceId: ci.ec2InstanceId } : {}),
        status: ci.status ?? "UNKNOWN",
        agentConnected: ci.agentConnected ?? false,
        runningTasksCount: ci.runningTasksCount ?? 0,
        pendingTasksCount: ci.pendingTasksCount ?? 0,
      }));
    },
    async deregisterContainerInstance(cluster, arn, force) {
      await awsCall(ctx("DeregisterContainerInstance", arn), () =>
        client.send(new DeregisterContainerInstanceCommand({ cluster, containerInstance: arn, force })),
      );
    },
    async setContainerInstanceDraining(cluster, arn) {
      await setState(cluster, arn, "DRAINING");
    },
    async setContainerInstanceActive(cluster, arn) {
      await setState(cluster, arn, "ACTIVE");
    },
  };
}
