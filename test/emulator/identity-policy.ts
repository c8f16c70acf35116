import { EmulatorError } from "./errors.ts";

/**
 * An identity-based policy the emulated caller holds. When one is set, a call is allowed only if an Allow statement
 * matches its action and resource and no Deny statement does (IAM's evaluation for a single identity policy).
 * Condition blocks are not evaluated: a statement with conditions counts as matching, so the emulator proves that
 * the actions and resources are enough, not that the conditions are.
 */
export interface IdentityPolicy {
  Version?: string;
  Statement: IdentityStatement[];
}

export interface IdentityStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** IAM wildcards: `*` any run of characters, `?` one character. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = [...pattern]
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function statementMatches(statement: IdentityStatement, action: string, resource: string): boolean {
  return (
    list(statement.Action).some((pattern) => matches(pattern, action, true)) &&
    list(statement.Resource).some((pattern) => matches(pattern, resource, false))
  );
}

export function checkIdentityPolicy(policy: unknown): IdentityPolicy {
  const doc = policy as IdentityPolicy;
  const valid =
    typeof doc === "object" &&
    doc !== null &&
    Array.isArray(doc.Statement) &&
    doc.Statement.every(
      (s) =>
        (s.Effect === "Allow" || s.Effect === "Deny") &&
        (typeof s.Action === "string" || Array.isArray(s.Action)) &&
        (typeof s.Resource === "string" || Array.isArray(s.Resource)),
    );
  if (!valid)
    throw new EmulatorError(
      "InvalidPolicy",
      "an identity policy needs Statement[{Effect, Action, Resource}]",
    );
  return doc;
}

/** True when the policy allows `action` ("service:Action") on `resource` (an ARN or "*"). */
export function policyAllows(policy: IdentityPolicy, action: string, resource: string): boolean {
  const relevant = (effect: "Allow" | "Deny") =>
    policy.Statement.some((s) => s.Effect === effect && statementMatches(s, action, resource));
  return !relevant("Deny") && relevant("Allow");
}
