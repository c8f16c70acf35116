import { configuredBoundaries, requireBoundaries } from "../../cloud/boundaries.ts";
import { requireCluster } from "../../cloud/cluster.ts";
import { AwsCallError } from "../../errors.ts";
import type { RegisterRun } from "./run.ts";

/**
 * The cloud inputs a run can check read-only before it changes anything: the cluster exists and, when a
 * just-in-time activation may create the instance role, its permissions boundary exists. Bad input throws
 * (exit 2). Without AWS credentials nothing can be checked here; an identity not allowed to look is not stopped.
 */
export async function checkCloudInputs(run: RegisterRun): Promise<void> {
  const { input, deps, observed, mode } = run;
  if (!deps.hasAwsCredentials) return;
  const registersSsm = mode === "fresh" && !observed.ssmRegistered;
  // A host that is already registered and stays in its cluster does not depend on the cluster's existence here.
  if (mode === "already-registered") return;
  const aws = await deps.aws();
  try {
    await requireCluster(aws.ecs, input.config.cluster, input.region);
    if (registersSsm && input.supplied === undefined) {
      const boundary = configuredBoundaries(input.config).filter((ref) =>
        ref.field.startsWith("instanceRole"),
      );
      await requireBoundaries(aws.iam, boundary);
    }
  } catch (error) {
    if (error instanceof AwsCallError && error.code.startsWith("AccessDenied")) {
      deps.host.log.warn({ error: error.message }, "could not check the cluster before registering");
      return;
    }
    throw error;
  }
}
