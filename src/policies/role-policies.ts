import type { PolicyDocument } from "./document.ts";

/** What a role should carry: managed policies attached by ARN and inline policies by name. */
export interface RolePolicies {
  managedPolicyArns: string[];
  inline: Record<string, PolicyDocument>;
}

/** IAM counts a role's inline policies without whitespace, and allows 10,240 characters for all of them together. */
export const INLINE_POLICY_SIZE_LIMIT = 10_240;

/**
 * A generated document IAM would refuse (too many ARNs or grants in the configuration). Found while planning,
 * before any call that changes something; the command fails (exit 1) naming the policy and its size.
 */
export class PolicySizeError extends Error {
  override readonly name = "PolicySizeError";
  constructor(
    readonly policyName: string,
    readonly size: number,
    readonly limit: number = INLINE_POLICY_SIZE_LIMIT,
  ) {
    super(
      `${policyName} is ${size} characters once minified; IAM allows ${limit} for a role's inline policies ` +
        "(remove ARNs or grants from the configuration, or split them across roles)",
    );
  }
}

export const policySize = (doc: PolicyDocument): number => JSON.stringify(doc).length;

/** Throws PolicySizeError when one inline document alone exceeds IAM's limit. */
export function assertPolicySize(doc: PolicyDocument, name = "inline policy"): void {
  const size = policySize(doc);
  if (size > INLINE_POLICY_SIZE_LIMIT) throw new PolicySizeError(`inline policy "${name}"`, size);
}

/** Throws PolicySizeError when one document, or the role's inline documents together, exceed IAM's limit. */
export function assertRolePoliciesSize(policies: RolePolicies, roleName: string): void {
  let total = 0;
  for (const [name, doc] of Object.entries(policies.inline)) {
    assertPolicySize(doc, name);
    total += policySize(doc);
  }
  if (total > INLINE_POLICY_SIZE_LIMIT)
    throw new PolicySizeError(`the inline policies of role "${roleName}"`, total);
}
