import type { SsmPort } from "../../adapters/aws/ports.ts";
import { SSM_AGENT } from "../../components/ssm-agent/files.ts";
import { awsOrPlan } from "./aws-access.ts";
import type { DeregisterStep } from "./types.ts";

/**
 * DeregisterManagedInstance for the host's mi- id (field notes §4: the SSM side first, then the local clear).
 * Looks first (DescribeInstanceInformation), so a re-run makes no mutating call.
 */
export const deregisterManagedInstanceAction: DeregisterStep = {
  id: "deregister-managed-instance",
  async plan(ctx) {
    const managed = ctx.observed.managedInstance;
    if (!managed) {
      return {
        status: "ok",
        summary: `no managed instance id: ${SSM_AGENT.registration} is absent and the state file records none`,
      };
    }
    const aws = awsOrPlan(
      ctx,
      `managed instance ${managed.id}`,
      `aws ssm deregister-managed-instance --instance-id ${managed.id}`,
      managed.region,
    );
    if ("plan" in aws) return aws.plan;
    const ssm = (await aws.ports()).ssm;
    if ((await registered(ssm, managed.id)) === false) {
      return {
        status: "ok",
        summary: `${managed.id} is not registered with SSM (already deregistered)`,
      };
    }
    return {
      summary: `deregister managed instance ${managed.id} from SSM`,
      apply: async () => {
        await ssm.deregisterManagedInstance(managed.id);
        return { summary: `deregistered managed instance ${managed.id}` };
      },
    };
  },
};

/** undefined when SSM could not be asked (e.g. no ssm:DescribeInstanceInformation): deregister anyway. */
async function registered(ssm: SsmPort, id: string): Promise<boolean | undefined> {
  try {
    return (await ssm.describeManagedInstance(id)) !== undefined;
  } catch {
    return undefined;
  }
}
