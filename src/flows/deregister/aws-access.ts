import type { AwsPorts } from "../../adapters/aws/ports.ts";
import type { Plan } from "../../engine/step.ts";
import type { AwsAccess, DeregisterContext } from "./types.ts";

export interface AwsAccessInput {
  localOnly: boolean;
  hasCredentials: boolean;
  region: string;
  ports: (region: string) => Promise<AwsPorts>;
}

/** Decided once per run: every AWS action is skipped (--local-only), fails for want of credentials, or may call. */
export function decideAwsAccess(input: AwsAccessInput): AwsAccess {
  if (input.localOnly) return { ready: false, status: "skipped", reason: "skipped (--local-only)" };
  if (!input.hasCredentials) {
    return {
      ready: false,
      status: "failed",
      reason: "no AWS credentials",
      remediation:
        "set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and re-run; or pass --local-only",
    };
  }
  const { region } = input;
  let ports: Promise<AwsPorts> | undefined;
  return {
    ready: true,
    region,
    ports: () => {
      ports ??= input.ports(region);
      return ports;
    },
  };
}

type AwsOrPlan = { plan: Plan } | { ports: () => Promise<AwsPorts> };

/**
 * The AWS ports for an action, or the plan that explains why it cannot call AWS. `leftBehind` names what
 * stays registered; `manual` is the CLI command that finishes the job by hand.
 */
export function awsOrPlan(
  ctx: DeregisterContext,
  leftBehind: string,
  manual: string,
  resourceRegion: string | undefined,
): AwsOrPlan {
  const access = ctx.aws;
  if (!access.ready) {
    return {
      plan: {
        status: access.status,
        summary: `${access.reason}: ${leftBehind} stays registered`,
        remediation: access.remediation ? `${access.remediation} and run: ${manual}` : `run: ${manual}`,
      },
    };
  }
  if (resourceRegion !== undefined && resourceRegion !== access.region) {
    return {
      plan: {
        status: "failed",
        summary: `${leftBehind} is in ${resourceRegion}, but AWS calls would go to ${access.region}`,
        remediation: `re-run with --region ${resourceRegion}`,
      },
    };
  }
  return { ports: access.ports };
}
