import type { CallContext, Operation, ServiceModule } from "./context.ts";
import { EmulatorError } from "./errors.ts";
import { newRoleId } from "./ids.ts";
import type { Input } from "./input.ts";
import { paginate } from "./paging.ts";
import { policySize, validatePolicy } from "./policy.ts";
import type { Role } from "./state.ts";
import type { XmlValue } from "./xml.ts";

/** IAM roles, their trust policies, tags, managed-policy attachments and inline policies (query protocol). */

export const AWS_MANAGED_POLICY_ARNS: readonly string[] = [
  "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
  "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
  "arn:aws:iam::aws:policy/AdministratorAccess",
  "arn:aws:iam::aws:policy/ReadOnlyAccess",
  "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
];

/** The AWS managed policies of a partition: the same names under arn:PARTITION:iam::aws:policy/. */
export function managedPolicyArns(partition: string): string[] {
  return AWS_MANAGED_POLICY_ARNS.map((arn) => arn.replace(/^arn:aws:/, `arn:${partition}:`));
}

const MAX_ATTACHED_POLICIES = 10;
const MAX_INLINE_POLICY_TOTAL = 10240;
const MAX_TRUST_POLICY = 2048;
const MAX_TAGS = 50;

const fail = (code: string, message: string, status: number): never => {
  throw new EmulatorError(code, message, status);
};
const validation = (message: string): never => fail("ValidationError", message, 400);

function checkName(value: string, field: string, max: number): void {
  if (value.length < 1 || value.length > max) {
    validation(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  if (!/^[\w+=,.@-]+$/.test(value)) {
    validation(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
    );
  }
}

function checkPath(path: string): void {
  if (path.length > 512 || !/^\/([\x21-\x7e]*\/)?$/.test(path)) {
    validation(
      "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
    );
  }
}

export function roleArn(partition: string, accountId: string, name: string, path = "/"): string {
  return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

function findRole(ctx: CallContext, name: string): Role | undefined {
  // Role names are unique case-insensitively.
  return ctx.state.roles.get(name.toLowerCase());
}

function getRole(input: Input, ctx: CallContext): Role {
  const name = input.reqStr("RoleName");
  checkName(name, "roleName", 64);
  const role = findRole(ctx, name);
  if (role === undefined) fail("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  return role as Role;
}

function roleResource(input: Input, ctx: CallContext): string {
  const name = input.str("RoleName") ?? "*";
  const role = findRole(ctx, name);
  return role?.arn ?? roleArn(ctx.partition, ctx.accountId, name, input.str("Path") ?? "/");
}

function roleXml(r: Role): XmlValue {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    // AWS answers policy documents URL-encoded.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary:
      r.permissionsBoundaryArn === undefined
        ? undefined
        : { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: r.permissionsBoundaryArn },
    Tags: r.tags.size === 0 ? undefined : tagList(r.tags),
  };
}

function tagList(tags: Map<string, string>): XmlValue {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

function validateTags(tags: Array<[string, string]>): void {
  const seen = new Set<string>();
  tags.forEach(([key, value], i) => {
    const at = `tags.${i + 1}.member`;
    if (key.length < 1 || key.length > 128 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(key)) {
      validation(
        `1 validation error detected: Value '${key}' at '${at}.key' failed to satisfy constraint: Member must have length between 1 and 128 and match [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`,
      );
    }
    if (value.length > 256) {
      validation(
        `1 validation error detected: Value at '${at}.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
    }
    if (key.toLowerCase().startsWith("aws:"))
      fail("InvalidInput", "User-defined tag keys can't start with 'aws:'.", 400);
    if (seen.has(key.toLowerCase())) {
      fail("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400);
    }
    seen.add(key.toLowerCase());
  });
}

/** Tag keys are case-insensitive: a new key replaces an existing one that differs only by case. */
function mergedTags(current: Map<string, string>, add: Array<[string, string]>): Map<string, string> {
  const out = new Map(current);
  for (const [k, v] of add) {
    for (const existing of out.keys()) if (existing.toLowerCase() === k.toLowerCase()) out.delete(existing);
    out.set(k, v);
  }
  if (out.size > MAX_TAGS) fail("LimitExceeded", `Cannot exceed quota for TagsPerRole: ${MAX_TAGS}`, 409);
  return out;
}

function checkTrustPolicy(document: string): void {
  validatePolicy(document, "trust");
  if (policySize(document) > MAX_TRUST_POLICY) {
    fail("LimitExceeded", `Cannot exceed quota for ACLSizePerRole: ${MAX_TRUST_POLICY}`, 409);
  }
}

function checkPolicyArn(arn: string): void {
  if (!/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/.test(arn))
    fail("InvalidInput", `ARN ${arn} is not valid.`, 400);
}

function maxItems(input: Input): number | undefined {
  const n = input.int("MaxItems");
  if (n !== undefined && (n < 1 || n > 1000)) {
    validation(
      `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  return n;
}

function page<T>(
  input: Input,
  ctx: CallContext,
  items: readonly T[],
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const p = paginate(items, input.str("Marker"), maxItems(input), ctx.pageSize, () =>
    validation("Invalid Marker"),
  );
  return { items: p.items, IsTruncated: p.next !== undefined, Marker: p.next };
}

const onRole = (run: (role: Role, input: Input, ctx: CallContext) => unknown): Operation => ({
  resource: roleResource,
  run: (input, ctx) => run(getRole(input, ctx), input, ctx),
});

const operations: Record<string, Operation> = {
  // Managed policies are a fixed set (AWS's plus EmulatorOptions.extraPolicyArns): only their existence is modelled.
  GetPolicy: {
    resource: (input) => input.str("PolicyArn") ?? "*",
    run(input, ctx) {
      const arn = input.reqStr("PolicyArn");
      checkPolicyArn(arn);
      if (!ctx.knownPolicyArns.has(arn))
        fail("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
      const path = policyPath(arn);
      const attached = [...ctx.state.roles.values()].filter((r) => r.attachedPolicyArns.includes(arn));
      const boundaryOf = [...ctx.state.roles.values()].filter((r) => r.permissionsBoundaryArn === arn);
      return {
        Policy: {
          PolicyName: arn.slice(arn.lastIndexOf("/") + 1),
          PolicyId: `ANPA${Buffer.from(arn).toString("hex").slice(-17).toUpperCase()}`,
          Arn: arn,
          Path: path,
          DefaultVersionId: "v1",
          AttachmentCount: attached.length,
          PermissionsBoundaryUsageCount: boundaryOf.length,
          IsAttachable: true,
        },
      };
    },
  },

  GetRole: onRole((role) => ({ Role: roleXml(role) })),

  CreateRole: {
    resource: roleResource,
    run(input, ctx) {
      const name = input.reqStr("RoleName");
      checkName(name, "roleName", 64);
      const path = input.str("Path") ?? "/";
      checkPath(path);
      const trust = input.reqStr("AssumeRolePolicyDocument");
      checkTrustPolicy(trust);
      const description = input.str("Description");
      if (description !== undefined && description.length > 1000) {
        validation(
          "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000",
        );
      }
      const maxSession = input.int("MaxSessionDuration") ?? 3600;
      if (maxSession < 3600 || maxSession > 43200) {
        validation(
          `1 validation error detected: Value '${maxSession}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200`,
        );
      }
      const tags = input.tags("Tags");
      validateTags(tags);
      const boundary = input.str("PermissionsBoundary");
      if (boundary !== undefined) {
        checkPolicyArn(boundary);
        if (!ctx.knownPolicyArns.has(boundary)) {
          fail("NoSuchEntity", `Scope ARN: ${boundary} does not exist or is not attachable.`, 404);
        }
      }
      if (findRole(ctx, name) !== undefined)
        fail("EntityAlreadyExists", `Role with name ${name} already exists.`, 409);
      const role: Role = {
        roleName: name,
        roleId: newRoleId(),
        path,
        arn: roleArn(ctx.partition, ctx.accountId, name, path),
        createDate: ctx.now(),
        changedAt: ctx.now(),
        description,
        maxSessionDuration: maxSession,
        assumeRolePolicyDocument: trust,
        tags: mergedTags(new Map(), tags),
        permissionsBoundaryArn: boundary,
        attachedPolicyArns: [],
        inlinePolicies: new Map(),
      };
      ctx.state.roles.set(name.toLowerCase(), role);
      return { Role: roleXml(role) };
    },
  },

  DeleteRole: onRole((role, _input, ctx) => {
    if (role.attachedPolicyArns.length > 0) {
      fail("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409);
    }
    if (role.inlinePolicies.size > 0)
      fail("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
    ctx.state.roles.delete(role.roleName.toLowerCase());
    return undefined;
  }),

  UpdateAssumeRolePolicy: onRole((role, input, ctx) => {
    const document = input.reqStr("PolicyDocument");
    checkTrustPolicy(document);
    role.assumeRolePolicyDocument = document;
    role.changedAt = ctx.now();
    return undefined;
  }),

  TagRole: onRole((role, input) => {
    const tags = input.tags("Tags");
    validateTags(tags);
    role.tags = mergedTags(role.tags, tags);
    return undefined;
  }),

  UntagRole: onRole((role, input) => {
    const keys = new Set(input.strList("TagKeys").map((k) => k.toLowerCase()));
    for (const k of [...role.tags.keys()]) if (keys.has(k.toLowerCase())) role.tags.delete(k);
    return undefined;
  }),

  ListRoleTags: onRole((role, input, ctx) => {
    const p = page(input, ctx, [...role.tags]);
    return {
      Tags: p.items.map(([Key, Value]) => ({ Key, Value })),
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  }),

  PutRolePermissionsBoundary: onRole((role, input, ctx) => {
    const arn = input.reqStr("PermissionsBoundary");
    checkPolicyArn(arn);
    if (!ctx.knownPolicyArns.has(arn))
      fail("NoSuchEntity", `Scope ARN: ${arn} does not exist or is not attachable.`, 404);
    role.permissionsBoundaryArn = arn;
    return undefined;
  }),

  DeleteRolePermissionsBoundary: onRole((role) => {
    if (role.permissionsBoundaryArn === undefined) {
      fail("NoSuchEntity", `The role with name ${role.roleName} does not have a permissions boundary.`, 404);
    }
    role.permissionsBoundaryArn = undefined;
    return undefined;
  }),

  AttachRolePolicy: onRole((role, input, ctx) => {
    const arn = input.reqStr("PolicyArn");
    checkPolicyArn(arn);
    if (!ctx.knownPolicyArns.has(arn))
      fail("NoSuchEntity", `Policy ${arn} does not exist or is not attachable.`, 404);
    if (role.attachedPolicyArns.includes(arn)) return undefined;
    if (role.attachedPolicyArns.length >= MAX_ATTACHED_POLICIES) {
      fail("LimitExceeded", `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_POLICIES}`, 409);
    }
    role.attachedPolicyArns.push(arn);
    return undefined;
  }),

  DetachRolePolicy: onRole((role, input) => {
    const arn = input.reqStr("PolicyArn");
    checkPolicyArn(arn);
    if (!role.attachedPolicyArns.includes(arn)) fail("NoSuchEntity", `Policy ${arn} was not found.`, 404);
    role.attachedPolicyArns = role.attachedPolicyArns.filter((a) => a !== arn);
    return undefined;
  }),

  ListAttachedRolePolicies: onRole((role, input, ctx) => {
    const prefix = input.str("PathPrefix") ?? "/";
    const arns = role.attachedPolicyArns.filter((a) => policyPath(a).startsWith(prefix));
    const p = page(input, ctx, arns);
    return {
      AttachedPolicies: p.items.map((arn) => ({
        PolicyName: arn.slice(arn.lastIndexOf("/") + 1),
        PolicyArn: arn,
      })),
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  }),

  PutRolePolicy: onRole((role, input) => {
    const policyName = input.reqStr("PolicyName");
    checkName(policyName, "policyName", 128);
    const document = input.reqStr("PolicyDocument");
    validatePolicy(document, "identity");
    let total = policySize(document);
    for (const [name, doc] of role.inlinePolicies) if (name !== policyName) total += policySize(doc);
    if (total > MAX_INLINE_POLICY_TOTAL) {
      fail(
        "LimitExceeded",
        `Maximum policy size of ${MAX_INLINE_POLICY_TOTAL} bytes exceeded for role ${role.roleName}`,
        409,
      );
    }
    role.inlinePolicies.set(policyName, document);
    return undefined;
  }),

  GetRolePolicy: onRole((role, input) => {
    const policyName = input.reqStr("PolicyName");
    const document = role.inlinePolicies.get(policyName);
    if (document === undefined)
      fail("NoSuchEntity", `The role policy with name ${policyName} cannot be found.`, 404);
    return {
      RoleName: role.roleName,
      PolicyName: policyName,
      PolicyDocument: encodeURIComponent(document as string),
    };
  }),

  ListRolePolicies: onRole((role, input, ctx) => {
    const p = page(input, ctx, [...role.inlinePolicies.keys()].sort());
    return { PolicyNames: p.items, IsTruncated: p.IsTruncated, Marker: p.Marker };
  }),

  DeleteRolePolicy: onRole((role, input) => {
    const policyName = input.reqStr("PolicyName");
    if (!role.inlinePolicies.delete(policyName)) {
      fail("NoSuchEntity", `The role policy with name ${policyName} cannot be found.`, 404);
    }
    return undefined;
  }),
};

/** "arn:aws:iam::aws:policy/service-role/X" -> "/service-role/" */
function policyPath(arn: string): string {
  const rest = arn.slice(arn.indexOf(":policy/") + ":policy".length);
  return rest.slice(0, rest.lastIndexOf("/") + 1);
}

export const iam: ServiceModule = { service: "iam", validationCode: "ValidationError", operations };
