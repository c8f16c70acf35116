import type { IamPort, RoleInfo } from "../adapters/aws/ports.ts";
import { MANAGED_BY_TAG } from "../config/schema.ts";
import { verifyConverged } from "../engine/run.ts";
import { type Applied, type Change, defineStep, type Note, type Plan, type Step } from "../engine/step.ts";
import { AwsCallError } from "../errors.ts";
import {
  POLICY_VERSION,
  type PolicyDocument,
  type PolicyStatement,
  samePolicy,
} from "../policies/document.ts";
import { mergeTrust } from "../policies/trust.ts";
import { requireBoundaries } from "./boundaries.ts";

/** Inline policies with this prefix were written by the agent; only those may be removed by it. */
export const AGENT_POLICY_PREFIX = "ecs-anywhere-agent-";

export interface RoleSpec {
  /** Step and change-id prefix, e.g. "instance-role". */
  id: string;
  name: string;
  path: string;
  description: string;
  permissionsBoundaryArn?: string;
  trust: PolicyStatement;
  managedPolicyArns: string[];
  inline: Record<string, PolicyDocument>;
  /** Managed policies the agent attached earlier but that the current config no longer wants. */
  retiredManagedPolicyArns?: string[];
  tags: Record<string, string>;
  /**
   * A host's `register`: only what is missing is added (the role, a trust statement or condition value, a policy);
   * anything that would remove or replace is refused, since other hosts share the role (`setup` converges it).
   */
  onlyAdd?: boolean;
}

interface ObservedRole {
  role: RoleInfo | undefined;
  attached: string[];
  inline: Map<string, PolicyDocument | undefined>;
}

/** The config field a role's boundary comes from, for errors. */
const boundaryField = (spec: RoleSpec) =>
  spec.id === "instance-role"
    ? "instanceRole.permissionsBoundary"
    : spec.id === "execution-role"
      ? "executionRole.permissionsBoundary"
      : `taskRoles (${spec.name}).permissionsBoundary`;

const shortName = (arn: string) => arn.split("/").pop() ?? arn;

/** Ensures one role: trust, tags, managed and inline policies. Foreign roles are only ever extended. */
export function roleStep(spec: RoleSpec, iam: IamPort): Step<unknown> {
  const step: Step<unknown> = defineStep(spec.id, {
    async observe(): Promise<ObservedRole> {
      const role = await iam.getRole(spec.name);
      if (!role) {
        if (spec.permissionsBoundaryArn) {
          await requireBoundaries(iam, [{ field: boundaryField(spec), arn: spec.permissionsBoundaryArn }]);
        }
        return { role, attached: [], inline: new Map() };
      }
      const [attached, names] = await Promise.all([
        iam.listAttachedPolicyArns(spec.name),
        iam.listInlinePolicyNames(spec.name),
      ]);
      const inline = new Map<string, PolicyDocument | undefined>();
      // Only documents the agent manages are read: other inline policies are never touched.
      for (const name of names.filter((n) => n in spec.inline)) {
        inline.set(name, await iam.getInlinePolicy(spec.name, name));
      }
      for (const name of names.filter((n) => n.startsWith(AGENT_POLICY_PREFIX) && !(n in spec.inline))) {
        inline.set(name, undefined);
      }
      return { role, attached, inline };
    },
    plan: (observed) => planRole(spec, observed, iam),
    verify: (ctx, signal) => verifyConverged(step, ctx, signal),
  });
  return step;
}

function planRole(spec: RoleSpec, { role, attached, inline }: ObservedRole, iam: IamPort): Plan {
  const id = (suffix: string) => `${spec.id}/${suffix}`;
  const changes: Change[] = [];
  const notes: Note[] = [];
  let missingConditions: string[] | undefined;
  const owned = role === undefined || role.tags[MANAGED_BY_TAG.key] === MANAGED_BY_TAG.value;
  const foreign = owned ? "" : " (role not created by the agent: only what is required is added)";

  if (!role) {
    changes.push({
      id: id("role"),
      action: "create",
      summary: `create role ${spec.name}`,
      reason: "the role does not exist",
      apply: async () => {
        try {
          await iam.createRole({
            name: spec.name,
            path: spec.path,
            trustPolicy: { Version: POLICY_VERSION, Statement: [spec.trust] },
            tags: spec.tags,
            description: spec.description,
            ...(spec.permissionsBoundaryArn ? { permissionsBoundaryArn: spec.permissionsBoundaryArn } : {}),
          });
        } catch (error) {
          return createdMeanwhile(error, spec, iam);
        }
      },
    });
  } else {
    // An owned role gets the trust conditions back when they were removed; a foreign one only hears about it.
    const merged = mergeTrust(role.trustPolicy, spec.trust, { restoreConditions: owned && !spec.onlyAdd });
    if (merged.missingConditions) {
      missingConditions = merged.missingConditions;
      notes.push({
        id: id("trust-conditions"),
        summary: `leave the trust policy of ${spec.name} without ${merged.missingConditions.join(", ")}`,
        reason: `the agent did not create this role, so it does not tighten its trust policy; add these conditions to its statement for the service yourself: ${JSON.stringify(spec.trust.Condition)}`,
      });
    }
    if (merged.changed) {
      changes.push({
        id: id("trust-policy"),
        action: "update",
        summary: `update the trust policy of ${spec.name}, keeping its other statements`,
        reason: merged.reason + foreign,
        apply: () => iam.updateTrustPolicy(spec.name, merged.document),
      });
    }
    const missingTags = Object.fromEntries(Object.entries(spec.tags).filter(([k, v]) => role.tags[k] !== v));
    // Tags do not make a host register: a host's run leaves them to setup.
    if (owned && !spec.onlyAdd && Object.keys(missingTags).length > 0) {
      changes.push({
        id: id("tags"),
        action: "update",
        summary: `tag ${spec.name} with ${Object.keys(missingTags).join(", ")}`,
        reason: "the role lacks tags the agent puts on what it creates",
        apply: () => iam.tagRole(spec.name, missingTags),
      });
    }
  }

  for (const arn of spec.managedPolicyArns.filter((arn) => !attached.includes(arn))) {
    changes.push({
      id: id(`attach/${shortName(arn)}`),
      action: "create",
      summary: `attach ${shortName(arn)} to ${spec.name}`,
      reason: `the managed policy is not attached${foreign}`,
      apply: () => iam.attachPolicy(spec.name, arn),
    });
  }
  for (const arn of (spec.retiredManagedPolicyArns ?? []).filter((arn) => attached.includes(arn))) {
    if (owned) {
      changes.push({
        id: id(`detach/${shortName(arn)}`),
        action: "delete",
        summary: `detach ${shortName(arn)} from ${spec.name}`,
        reason: "least-privilege permissions replace this broader managed policy",
        apply: () => iam.detachPolicy(spec.name, arn),
      });
    } else {
      notes.push({
        id: id(`detach/${shortName(arn)}`),
        summary: `keep ${shortName(arn)} attached to ${spec.name}`,
        reason: "the agent did not create this role, so it never detaches its policies; detach it yourself",
      });
    }
  }

  for (const [name, document] of Object.entries(spec.inline)) {
    const current = inline.get(name);
    if (current !== undefined && samePolicy(current, document)) continue;
    changes.push({
      id: id(`inline/${name}`),
      action: current === undefined ? "create" : "update",
      summary: `${current === undefined ? "add" : "rewrite"} inline policy ${name} on ${spec.name}`,
      reason:
        current === undefined
          ? `the inline policy does not exist${foreign}`
          : "the inline policy differs from the desired document (edited outside the agent?)",
      apply: () => iam.putInlinePolicy(spec.name, name, document),
    });
  }
  for (const name of [...inline.keys()].filter(
    (n) => n.startsWith(AGENT_POLICY_PREFIX) && !(n in spec.inline),
  )) {
    changes.push({
      id: id(`inline/${name}`),
      action: "delete",
      summary: `remove inline policy ${name} from ${spec.name}`,
      reason: "the agent added it earlier and the configuration no longer needs it",
      apply: () => iam.deleteInlinePolicy(spec.name, name),
    });
  }
  if (spec.onlyAdd) {
    const refused = changes.filter(
      (change) => change.action !== "create" && change.id !== id("trust-policy"),
    );
    if (refused.length > 0) return refuseReplacing(spec, refused);
  }
  // The role's ARN once it exists (resources by their full ARN wherever one is known).
  const shown = role?.arn ?? spec.name;
  const summary =
    changes.length === 0 ? `role ${shown} is up to date` : `${changes.length} change(s) to role ${shown}`;
  if (missingConditions && changes.length === 0) {
    // Nothing to apply, so the plan itself carries the warning and its fix.
    return {
      status: "warn",
      summary: `role ${shown} is up to date, but its trust policy lacks ${missingConditions.join(", ")}`,
      remediation: `add to its statement for ${String((spec.trust.Principal as { Service?: unknown }).Service)}: "Condition": ${JSON.stringify(spec.trust.Condition)} (confused-deputy protection)`,
      changes,
      notes,
    };
  }
  return { summary, changes, ...(notes.length > 0 ? { notes } : {}) };
}

/**
 * CreateRole said the role exists. When the agent made it (its ManagedBy tag), this run's own earlier attempt
 * did, whose answer was lost (a timeout, a reset; the SDK retried), or another run did since the plan: the role
 * is there, and verify compares it with the spec. A role the agent did not make is still the error it was.
 */
async function createdMeanwhile(error: unknown, spec: RoleSpec, iam: IamPort): Promise<Applied> {
  const exists = error instanceof AwsCallError && EXISTS.has(error.code);
  const role = exists ? await iam.getRole(spec.name) : undefined;
  if (role?.tags[MANAGED_BY_TAG.key] !== MANAGED_BY_TAG.value) throw error;
  return { status: "ok", summary: `role ${role.arn} exists already (made by the agent meanwhile)` };
}

const EXISTS: ReadonlySet<string> = new Set(["EntityAlreadyExists", "EntityAlreadyExistsException"]);

/** A host's run found the shared role different from its own config in a way only removing or replacing fixes. */
function refuseReplacing(spec: RoleSpec, refused: Change[]): Plan {
  const what = spec.id.replace(/-/g, " ");
  return {
    status: "failed",
    summary: `the ${what} differs from this host's config; run \`setup\` with the shared config`,
    details: refused.map((change) => `not done here: ${change.summary} (${change.reason ?? change.action})`),
    remediation: `run \`ecs-anywhere-agent setup\` with the config the fleet shares (or align this host's config with it): register only adds what is missing to ${spec.name} and never removes or replaces what other hosts rely on`,
  };
}
