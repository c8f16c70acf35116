import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  type Role,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import type { PolicyDocument } from "../../policies/document.ts";
import { awsCall, awsCallRequired } from "./errors.ts";
import type { CallerIdentity, CreateRoleInput, IamPort, RoleInfo } from "./ports.ts";

/** IAM returns policy documents URL-encoded. */
export function decodePolicyDocument(encoded: string): PolicyDocument {
  return JSON.parse(decodeURIComponent(encoded)) as PolicyDocument;
}

function toRoleInfo(role: Role): RoleInfo {
  return {
    name: role.RoleName ?? "",
    arn: role.Arn ?? "",
    path: role.Path ?? "/",
    trustPolicy: decodePolicyDocument(role.AssumeRolePolicyDocument ?? "%7B%7D"),
    tags: Object.fromEntries((role.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn
      ? { permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn }
      : {}),
  };
}

const toTagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export function createIamPort(
  client: IAMClient,
  identity: () => Promise<Pick<CallerIdentity, "account" | "partition">>,
): IamPort {
  // Role paths seen in answers, so an error names the role's real ARN (arn:...:role/PATH/NAME).
  const knownArns = new Map<string, string>();
  const remember = (role: RoleInfo) => {
    if (role.arn) knownArns.set(role.name, role.arn);
    return role;
  };
  const roleArn = async (name: string) => {
    const known = knownArns.get(name);
    if (known !== undefined) return known;
    const { account, partition } = await identity();
    return `arn:${partition}:iam::${account}:role/${name}`;
  };
  const ctx = async (action: string, roleName: string) => ({
    service: "iam" as const,
    action,
    resource: await roleArn(roleName),
  });

  return {
    async getRole(name) {
      const out = await awsCall(
        await ctx("GetRole", name),
        () => client.send(new GetRoleCommand({ RoleName: name })),
        ["NoSuchEntity", "NoSuchEntityException"],
      );
      return out?.Role ? remember(toRoleInfo(out.Role)) : undefined;
    },
    async createRole(input: CreateRoleInput) {
      const out = await awsCallRequired(await ctx("CreateRole", input.name), () =>
        client.send(
          new CreateRoleCommand({
            RoleName: input.name,
            Path: input.path,
            AssumeRolePolicyDocument: JSON.stringify(input.trustPolicy),
            Description: input.description,
            Tags: toTagList(input.tags),
            PermissionsBoundary: input.permissionsBoundaryArn,
          }),
        ),
      );
      if (!out.Role) throw new Error(`CreateRole returned no role for ${input.name}`);
      return remember(toRoleInfo(out.Role));
    },
    async updateTrustPolicy(roleName, document) {
      await awsCall(await ctx("UpdateAssumeRolePolicy", roleName), () =>
        client.send(
          new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(document) }),
        ),
      );
    },
    async tagRole(roleName, tags) {
      await awsCall(await ctx("TagRole", roleName), () =>
        client.send(new TagRoleCommand({ RoleName: roleName, Tags: toTagList(tags) })),
      );
    },
    async listAttachedPolicyArns(roleName) {
      const arns: string[] = [];
      await awsCall(await ctx("ListAttachedRolePolicies", roleName), async () => {
        for await (const page of paginateListAttachedRolePolicies({ client }, { RoleName: roleName })) {
          for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) arns.push(policy.PolicyArn);
        }
      });
      return arns;
    },
    async attachPolicy(roleName, policyArn) {
      await awsCall(await ctx("AttachRolePolicy", roleName), () =>
        client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
      );
    },
    async detachPolicy(roleName, policyArn) {
      await awsCall(
        await ctx("DetachRolePolicy", roleName),
        () => client.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
        ["NoSuchEntity", "NoSuchEntityException"],
      );
    },
    async listInlinePolicyNames(roleName) {
      const names: string[] = [];
      await awsCall(await ctx("ListRolePolicies", roleName), async () => {
        for await (const page of paginateListRolePolicies({ client }, { RoleName: roleName })) {
          names.push(...(page.PolicyNames ?? []));
        }
      });
      return names;
    },
    async getInlinePolicy(roleName, policyName) {
      const out = await awsCall(
        await ctx("GetRolePolicy", roleName),
        () => client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
        ["NoSuchEntity", "NoSuchEntityException"],
      );
      return out?.PolicyDocument ? decodePolicyDocument(out.PolicyDocument) : undefined;
    },
    async putInlinePolicy(roleName, policyName, document) {
      await awsCall(await ctx("PutRolePolicy", roleName), () =>
        client.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: policyName,
            PolicyDocument: JSON.stringify(document),
          }),
        ),
      );
    },
    async deleteInlinePolicy(roleName, policyName) {
      await awsCall(
        await ctx("DeleteRolePolicy", roleName),
        () => client.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
        ["NoSuchEntity", "NoSuchEntityException"],
      );
    },
    async policyExists(policyArn) {
      const out = await awsCall(
        { service: "iam", action: "GetPolicy", resource: policyArn },
        () => client.send(new GetPolicyCommand({ PolicyArn: policyArn })),
        ["NoSuchEntity", "NoSuchEntityException"],
      );
      return out?.Policy !== undefined;
    },
  };
}
