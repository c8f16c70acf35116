import type { IamPort } from "../adapters/aws/ports.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";

export interface BoundaryRef {
  /** The config field that names it, e.g. "instanceRole.permissionsBoundary". */
  field: string;
  arn: string;
}

/** Every permissions boundary the config names, with the field it is set in. */
export function configuredBoundaries(config: Config): BoundaryRef[] {
  const refs: BoundaryRef[] = [];
  const add = (field: string, arn: string | undefined) => {
    if (arn !== undefined) refs.push({ field, arn });
  };
  add("instanceRole.permissionsBoundary", config.instanceRole.permissionsBoundary);
  if (config.executionRole.enabled)
    add("executionRole.permissionsBoundary", config.executionRole.permissionsBoundary);
  config.taskRoles.forEach((role, index) => {
    add(`taskRoles[${index}].permissionsBoundary`, role.permissionsBoundary);
  });
  return refs;
}

/**
 * A boundary that does not exist makes CreateRole fail half-way through a run: checked (read-only) before
 * anything changes, as bad input.
 */
export async function requireBoundaries(iam: IamPort, refs: readonly BoundaryRef[]): Promise<void> {
  const missing: BoundaryRef[] = [];
  for (const ref of refs) if (!(await iam.policyExists(ref.arn))) missing.push(ref);
  const [first] = missing;
  if (first === undefined) return;
  throw new UsageError(missing.map((ref) => `${ref.field}: policy ${ref.arn} does not exist`).join("; "), {
    remediation: `create the boundary policy first, or correct the ARN in ${first.field} (a boundary must be a managed policy in this account or an AWS managed one)`,
  });
}
