import type { ActivationInfo } from "../../adapters/aws/ports.ts";
import { activationSpent } from "../../cloud/activation-file.ts";
import { configuredBoundaries, requireBoundaries } from "../../cloud/boundaries.ts";
import { requireCluster } from "../../cloud/cluster.ts";
import { AwsCallError, UsageError } from "../../errors.ts";
import type { RegisterRun } from "./run.ts";

/**
 * The cloud inputs a run can check read-only before it changes anything: the cluster exists and, when a
 * just-in-time activation may create the instance role, its permissions boundary exists. Bad input throws
 * (exit 2). Without AWS credentials nothing can be checked here; an identity not allowed to look is not stopped.
 */
export async function checkCloudInputs(run: RegisterRun): Promise<void> {
  const { input, deps, observed, mode } = run;
  const registersSsm = mode === "fresh" && !observed.ssmRegistered;
  if (registersSsm) await requireUsableActivation(run);
  if (!deps.hasAwsCredentials) return;
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

/**
 * A supplied activation that can register no host (expired, used up, unknown to SSM; field notes §5.6) is bad
 * input, found before the install script runs: SSM's answer when it can be asked, else the expiry the activation file records.
 */
async function requireUsableActivation(run: RegisterRun): Promise<void> {
  const { input, deps } = run;
  const supplied = input.supplied;
  if (supplied === undefined) return;
  let described: ActivationInfo | null | undefined;
  if (deps.hasAwsCredentials) {
    try {
      described = (await (await deps.aws()).ssm.describeActivation(supplied.id)) ?? null;
    } catch (error) {
      if (!(error instanceof AwsCallError && error.code.startsWith("AccessDenied"))) throw error;
      deps.host.log.warn({ error: error.message }, "could not check the activation before registering");
    }
  }
  const facts = { activationId: supplied.id, expiresAt: supplied.expiresAt, region: undefined };
  const spent = activationSpent(facts, deps.host.clock.now(), described);
  if (spent === undefined) return;
  throw new UsageError(`${spent} (from ${supplied.source}): it cannot register this host`, {
    remediation: `create a new one (ecs-anywhere-agent activation create --region ${input.region} --out FILE) and pass it with --activation-file FILE`,
  });
}
