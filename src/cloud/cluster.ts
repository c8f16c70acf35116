import type { ClusterInfo, EcsPort } from "../adapters/aws/ports.ts";
import { verifyConverged } from "../engine/run.ts";
import { defineStep, nothing, type Step } from "../engine/step.ts";
import { type PropagationWait, retryWhilePropagating } from "./propagation.ts";

/**
 * Ensures the cluster exists and is ACTIVE. The agent never deletes a cluster. With `wait`, a fresh account's
 * service-linked role is waited for (field notes §8.1).
 */
export function clusterStep(
  name: string,
  tags: Record<string, string>,
  ecs: EcsPort,
  wait?: PropagationWait,
): Step<unknown> {
  const step: Step<unknown> = defineStep("cluster", {
    observe: (): Promise<ClusterInfo | undefined> => ecs.describeCluster(name),
    plan(cluster) {
      if (cluster?.status === "ACTIVE") return nothing(`cluster ${name} is ACTIVE`);
      if (cluster && cluster.status !== "INACTIVE") {
        return {
          status: "warn",
          summary: `cluster ${name} is ${cluster.status}`,
          remediation: "re-run once it is ACTIVE",
        };
      }
      return {
        summary: `create cluster ${name}`,
        changes: [
          {
            id: "cluster",
            action: "create",
            summary: `create cluster ${name}`,
            // describeCluster reports a deleted cluster as INACTIVE; a name never used is absent.
            reason: cluster ? "the cluster was deleted (INACTIVE)" : "the cluster does not exist",
            apply: async () => {
              const create = () => ecs.createCluster(name, tags);
              await (wait ? retryWhilePropagating(create, wait) : create());
            },
          },
        ],
      };
    },
    verify: (ctx, signal) => verifyConverged(step, ctx, signal),
  });
  return step;
}
