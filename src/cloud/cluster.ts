import type { ClusterInfo, EcsPort } from "../adapters/aws/ports.ts";
import { verifyConverged } from "../engine/run.ts";
import type { Step } from "../engine/step.ts";

/** Ensures the cluster exists and is ACTIVE. The agent never deletes a cluster. */
export function clusterStep(name: string, tags: Record<string, string>, ecs: EcsPort) {
  const step: Step<ClusterInfo | undefined> = {
    name: "cluster",
    observe: () => ecs.describeCluster(name),
    plan(cluster) {
      if (cluster?.status === "ACTIVE") return [];
      if (cluster && cluster.status !== "INACTIVE") {
        return [
          {
            id: "cluster",
            action: "none",
            summary: `wait for cluster ${name}`,
            reason: `the cluster is ${cluster.status}; re-run once it is ACTIVE`,
          },
        ];
      }
      return [
        {
          id: "cluster",
          action: "create",
          summary: `create cluster ${name}`,
          reason: cluster ? "the cluster was deleted (INACTIVE)" : "the cluster does not exist",
          apply: async () => {
            await ecs.createCluster(name, tags);
          },
        },
      ];
    },
    verify: () => verifyConverged(step as Step<unknown>),
  };
  return step;
}
