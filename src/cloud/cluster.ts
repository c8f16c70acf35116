import type { ClusterInfo, EcsPort } from "../adapters/aws/ports.ts";
import { verifyConverged } from "../engine/run.ts";
import { defineStep, nothing, type Step } from "../engine/step.ts";
import { UsageError } from "../errors.ts";
import { closestNames, didYouMean } from "../util/closest.ts";
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
      if (cluster?.status === "ACTIVE") return nothing(`cluster ${cluster.arn} is ACTIVE`);
      if (cluster && cluster.status !== "INACTIVE") {
        return {
          status: "warn",
          summary: `cluster ${cluster.arn} is ${cluster.status}`,
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

/**
 * A host only joins a cluster that exists: `register` never creates one (a typo in --cluster would otherwise make
 * a new cluster and move the host into it). A missing or deleted (INACTIVE) cluster is bad input, with the
 * account's closest cluster names and the command that creates it.
 */
export async function requireCluster(ecs: EcsPort, name: string, region: string): Promise<ClusterInfo> {
  const cluster = await ecs.describeCluster(name);
  // Only a missing or deleted cluster is the operator's mistake; a cluster still provisioning is ECS's business.
  if (cluster && cluster.status !== "INACTIVE") return cluster;
  // Suggestions are a courtesy: an identity that may not list clusters still gets the error and its fix.
  const names = await ecs.listClusterNames().catch(() => undefined);
  const close = names ? closestNames(name, names) : [];
  const hint =
    close.length > 0
      ? `; ${didYouMean(close)}`
      : names && names.length > 0
        ? `; clusters in ${region}: ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", ..." : ""}`
        : names
          ? `; ${region} has no clusters`
          : "";
  const state = cluster ? "was deleted (INACTIVE)" : "does not exist";
  throw new UsageError(`--cluster: cluster ${name} ${state} in ${region}${hint}`, {
    remediation: `check the name, or create the cluster first: ecs-anywhere-agent setup --cluster ${name} --region ${region} (register never creates clusters)`,
  });
}
