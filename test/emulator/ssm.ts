import type { Operation, ServiceModule } from "./context.ts";
import { EmulatorError } from "./errors.ts";
import { roleArn } from "./iam.ts";
import { newActivationCode, newActivationId, newManagedInstanceId } from "./ids.ts";
import type { Input } from "./input.ts";
import { epochSeconds } from "./json.ts";
import { paginate } from "./paging.ts";
import { trustsService } from "./policy.ts";
import type { Activation, ManagedInstance, State } from "./state.ts";
import type { RegisterManagedInstanceInput } from "./types.ts";

/** SSM hybrid activations and managed (mi-) instances (JSON 1.1). field notes §4, §5. */

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_EXPIRY_MS = 30 * DAY_MS;
const AGENT_VERSION = "3.3.1142.0";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

const fail = (code: string, message: string): never => {
  throw new EmulatorError(code, message, 400);
};
const validation = (message: string): never => fail("ValidationException", message);
const constraint = (value: unknown, field: string, rule: string): never =>
  validation(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must ${rule}`,
  );

export const isExpired = (a: Activation, now: Date): boolean => now.getTime() >= a.expirationDate.getTime();

function checkLength(value: string | undefined, field: string, max: number): void {
  if (value !== undefined && value.length > max)
    constraint(value, field, `have length less than or equal to ${max}`);
}

function checkTags(tags: Array<[string, string]>): void {
  if (tags.length > 1000) constraint(tags.length, "tags", "have length less than or equal to 1000");
  for (const [k, v] of tags) {
    if (!TAG_KEY_RE.test(k) || k.toLowerCase().startsWith("aws:")) {
      constraint(
        k,
        "tags.member.key",
        "satisfy regular expression pattern: ^(?!^(?i)aws:)(?=^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$).*$",
      );
    }
    checkLength(v, "tags.member.value", 256);
  }
}

function activationJson(a: Activation, now: Date): Record<string, unknown> {
  return {
    ActivationId: a.activationId,
    Description: a.description,
    DefaultInstanceName: a.defaultInstanceName,
    IamRole: a.iamRole,
    RegistrationLimit: a.registrationLimit,
    RegistrationsCount: a.registrationsCount,
    ExpirationDate: epochSeconds(a.expirationDate),
    Expired: isExpired(a, now),
    CreatedDate: epochSeconds(a.createdDate),
    Tags: a.tags.map(([Key, Value]) => ({ Key, Value })),
  };
}

function instanceJson(m: ManagedInstance, now: Date): Record<string, unknown> {
  return {
    InstanceId: m.instanceId,
    PingStatus: "Online",
    LastPingDateTime: epochSeconds(now),
    AgentVersion: m.agentVersion,
    IsLatestVersion: true,
    PlatformType: "Linux",
    PlatformName: "Linux",
    ActivationId: m.activationId,
    IamRole: m.iamRole,
    RegistrationDate: epochSeconds(m.registrationDate),
    ResourceType: "ManagedInstance",
    Name: m.name,
    ComputerName: m.name ?? m.instanceId,
    SourceId: m.instanceId,
    SourceType: "AWS::SSM::ManagedInstance",
  };
}

function maxResults(input: Input, min: number, max: number): number | undefined {
  const n = input.int("MaxResults");
  if (n !== undefined && (n < min || n > max))
    constraint(n, "maxResults", `have value between ${min} and ${max}`);
  return n;
}

const createActivation: Operation = {
  run(input, ctx) {
    const iamRole = input.reqStr("IamRole");
    if (iamRole.length < 1 || iamRole.length > 64)
      constraint(iamRole, "iamRole", "have length less than or equal to 64");
    // field notes §5: the role NAME, not its ARN (an ARN or a path fails this pattern).
    if (!/^[\p{L}\p{N}+=,.@\-_]*$/u.test(iamRole)) {
      constraint(iamRole, "iamRole", "satisfy regular expression pattern: ^[\\p{L}\\p{N}+=,.@\\-_]*$");
    }
    const role = ctx.state.roles.get(iamRole.toLowerCase());
    const now = ctx.now();
    // SSM names the role by NAME and resolves it as arn:PARTITION:iam::ACCOUNT:role/NAME, without a path (field
    // notes §5.9): a role under another path is not found there.
    const arn = roleArn(ctx.partition, ctx.accountId, role?.roleName ?? iamRole);
    ctx.authorize("iam:PassRole", arn);
    if (
      role === undefined ||
      role.path !== "/" ||
      !trustsService(role.assumeRolePolicyDocument, "ssm.amazonaws.com") ||
      // field notes §8.1: a role (or trust policy) changed moments ago is not yet visible to SSM.
      ctx.state.propagating(role.changedAt, now)
    ) {
      validation(`Nonexistent role or missing ssm service principal in trust policy: ${arn}`);
    }
    const expiration = input.date("ExpirationDate") ?? new Date(now.getTime() + DAY_MS);
    if (expiration.getTime() <= now.getTime()) validation("ExpirationDate must be in the future.");
    if (expiration.getTime() > now.getTime() + MAX_EXPIRY_MS) {
      validation("ExpirationDate cannot be more than 30 days in the future.");
    }
    const limit = input.int("RegistrationLimit") ?? 1;
    if (limit < 1 || limit > 1000) constraint(limit, "registrationLimit", "have value between 1 and 1000");
    const defaultInstanceName = input.str("DefaultInstanceName");
    checkLength(defaultInstanceName, "defaultInstanceName", 256);
    if (defaultInstanceName !== undefined && !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(defaultInstanceName)) {
      constraint(
        defaultInstanceName,
        "defaultInstanceName",
        "satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
      );
    }
    const description = input.str("Description");
    checkLength(description, "description", 256);
    const tags = input.tags("Tags");
    checkTags(tags);
    const activation: Activation = {
      activationId: newActivationId(),
      activationCode: ctx.state.nextActivationCode ?? newActivationCode(),
      region: ctx.region,
      iamRole: role?.roleName ?? iamRole,
      description,
      defaultInstanceName,
      registrationLimit: limit,
      registrationsCount: 0,
      expirationDate: expiration,
      createdDate: now,
      tags,
    };
    ctx.state.nextActivationCode = undefined;
    ctx.state.activations.set(activation.activationId, activation);
    return { ActivationId: activation.activationId, ActivationCode: activation.activationCode };
  },
};

const ACTIVATION_FILTERS: Record<string, (a: Activation, values: string[]) => boolean> = {
  ActivationIds: (a, v) => v.includes(a.activationId),
  DefaultInstanceName: (a, v) => a.defaultInstanceName !== undefined && v.includes(a.defaultInstanceName),
  IamRole: (a, v) => v.includes(a.iamRole),
};

const describeActivations: Operation = {
  run(input, ctx) {
    const filters = input.objList("Filters").map((f) => {
      const key = f.reqStr("FilterKey");
      const test = Object.hasOwn(ACTIVATION_FILTERS, key) ? ACTIVATION_FILTERS[key] : undefined;
      if (test === undefined) fail("InvalidFilter", `The filter key ${key} is not valid.`);
      return (a: Activation) =>
        (test as (a: Activation, v: string[]) => boolean)(a, f.strList("FilterValues"));
    });
    const all = [...ctx.state.activations.values()].filter(
      (a) => a.region === ctx.region && filters.every((f) => f(a)),
    );
    const p = paginate(all, input.str("NextToken"), maxResults(input, 1, 50), ctx.pageSize, () =>
      fail("InvalidNextToken", "The specified token isn't valid."),
    );
    const now = ctx.now();
    return { ActivationList: p.items.map((a) => activationJson(a, now)), NextToken: p.next };
  },
};

const deleteActivation: Operation = {
  resource: (input, ctx) =>
    `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:activation/${input.str("ActivationId") ?? "*"}`,
  run(input, ctx) {
    const id = input.reqStr("ActivationId");
    if (!UUID_RE.test(id))
      constraint(id, "activationId", `satisfy regular expression pattern: ${UUID_RE.source}`);
    const a = ctx.state.activations.get(id);
    if (a === undefined && ctx.state.deletedActivations.has(id)) {
      // field notes §8.3: a deleted activation may answer InvalidActivation rather than InvalidActivationId.
      fail("InvalidActivation", `Activation ID ${id} is not valid. The activation might have been deleted.`);
    }
    if (a === undefined || a.region !== ctx.region)
      fail("InvalidActivationId", `Activation ID ${id} is not valid.`);
    ctx.state.activations.delete(id);
    ctx.state.deletedActivations.add(id);
    return {};
  },
};

type InstanceFilter = (m: ManagedInstance) => boolean;

function instanceFilter(key: string, values: string[]): InstanceFilter {
  if (key.startsWith("tag:")) {
    const tagKey = key.slice(4);
    return (m) => m.tags.some(([k, v]) => k === tagKey && values.includes(v));
  }
  switch (key) {
    case "InstanceIds":
      for (const v of values) {
        if (!/^(mi|i)-[0-9a-f]{8,17}$/.test(v))
          fail("InvalidInstanceInformationFilterValue", `${v} is not a valid instance id.`);
      }
      return (m) => values.includes(m.instanceId);
    case "ActivationIds":
      return (m) => values.includes(m.activationId);
    case "IamRole":
      return (m) => values.includes(m.iamRole);
    case "PingStatus":
      return () => values.includes("Online");
    case "ResourceType":
      return () => values.includes("ManagedInstance");
    case "PlatformTypes":
      return () => values.includes("Linux");
    case "AgentVersion":
      return (m) => values.includes(m.agentVersion);
    case "AssociationStatus":
      // The emulated nodes have no State Manager associations, so no status matches.
      return () => false;
    default:
      return fail("InvalidFilterKey", `The filter key ${key} is not valid.`);
  }
}

const describeInstanceInformation: Operation = {
  run(input, ctx) {
    const filters = [
      ...input
        .objList("InstanceInformationFilterList")
        .map((f) => instanceFilter(f.reqStr("key"), f.strList("valueSet"))),
      ...input.objList("Filters").map((f) => instanceFilter(f.reqStr("Key"), f.strList("Values"))),
    ];
    const all = [...ctx.state.managedInstances.values()].filter(
      (m) => m.region === ctx.region && filters.every((f) => f(m)),
    );
    const p = paginate(all, input.str("NextToken"), maxResults(input, 5, 50), ctx.pageSize, () =>
      fail("InvalidNextToken", "The specified token isn't valid."),
    );
    const now = ctx.now();
    return { InstanceInformationList: p.items.map((m) => instanceJson(m, now)), NextToken: p.next };
  },
};

const deregisterManagedInstance: Operation = {
  resource: (input, ctx) =>
    `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:managed-instance/${input.str("InstanceId") ?? "*"}`,
  run(input, ctx) {
    const id = input.reqStr("InstanceId");
    if (!/^mi-[0-9a-f]{17}$/.test(id))
      constraint(id, "instanceId", "satisfy regular expression pattern: ^mi-[0-9a-f]{17}$");
    const m = ctx.state.managedInstances.get(id);
    if (m === undefined || m.region !== ctx.region)
      fail("InvalidInstanceId", `Instance Id ${id} is not a registered managed instance.`);
    ctx.state.managedInstances.delete(id);
    return {};
  },
};

export const ssm: ServiceModule = {
  service: "ssm",
  validationCode: "ValidationException",
  operations: {
    CreateActivation: createActivation,
    DescribeActivations: describeActivations,
    DeleteActivation: deleteActivation,
    DescribeInstanceInformation: describeInstanceInformation,
    DeregisterManagedInstance: deregisterManagedInstance,
  },
};

/** What `amazon-ssm-agent -register -id I -code C -region R` does against the service. */
export function registerManagedInstance(
  state: State,
  input: RegisterManagedInstanceInput,
  now: Date,
): { managedInstanceId: string } {
  const a = state.activations.get(input.activationId);
  if (a === undefined || a.region !== input.region) {
    fail("InvalidActivationId", `Activation ID ${input.activationId} was not found in ${input.region}.`);
  }
  const activation = a as Activation;
  if (activation.activationCode !== input.activationCode) {
    fail("InvalidActivation", "The activation ID or activation code is not valid.");
  }
  if (isExpired(activation, now))
    fail("InvalidActivation", `Activation ${activation.activationId} has expired.`);
  if (activation.registrationsCount >= activation.registrationLimit) {
    fail("InvalidActivation", `Activation ${activation.activationId}: registration limit reached.`);
  }
  activation.registrationsCount += 1;
  const instance: ManagedInstance = {
    instanceId: newManagedInstanceId(),
    activationId: activation.activationId,
    region: activation.region,
    iamRole: activation.iamRole,
    name: activation.defaultInstanceName,
    agentVersion: AGENT_VERSION,
    registrationDate: now,
    // field notes §5: activation tags are copied to the registered node.
    tags: activation.tags.map(([k, v]): [string, string] => [k, v]),
  };
  state.managedInstances.set(instance.instanceId, instance);
  return { managedInstanceId: instance.instanceId };
}
