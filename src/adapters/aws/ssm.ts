import {
  type Activation,
  CreateActivationCommand,
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  paginateDescribeActivations,
  paginateDescribeInstanceInformation,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { awsCall, awsCallRequired } from "./errors.ts";
import type { ActivationInfo, SsmPort } from "./ports.ts";

const tagMap = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));

export function createSsmPort(client: SSMClient): SsmPort {
  const ctx = (action: string, resource?: string) => ({
    service: "ssm" as const,
    action,
    ...(resource === undefined ? {} : { resource }),
  });

  return {
    async createActivation(input) {
      const out = await awsCallRequired(ctx("CreateActivation"), () =>
        client.send(
          new CreateActivationCommand({
            IamRole: input.iamRoleName, // field notes §5: the role NAME, not its ARN
            RegistrationLimit: input.registrationLimit,
            ExpirationDate: input.expiresAt,
            DefaultInstanceName: input.defaultInstanceName,
            Description: input.description,
            Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
      if (!out.ActivationId || !out.ActivationCode)
        throw new Error("CreateActivation returned no activation");
      return { activationId: out.ActivationId, activationCode: out.ActivationCode };
    },
    async listActivations() {
      const all: ActivationInfo[] = [];
      await awsCall(ctx("DescribeActivations"), async () => {
        for await (const page of paginateDescribeActivations({ client }, {})) {
          for (const a of page.ActivationList ?? []) all.push(activationInfo(a));
        }
      });
      return all;
    },
    async describeActivation(id) {
      const found: ActivationInfo[] = [];
      await awsCall(ctx("DescribeActivations", id), async () => {
        const filter = { Filters: [{ FilterKey: "ActivationIds" as const, FilterValues: [id] }] };
        for await (const page of paginateDescribeActivations({ client }, filter)) {
          for (const a of page.ActivationList ?? []) if (a.ActivationId === id) found.push(activationInfo(a));
        }
      });
      return found[0];
    },
    async deleteActivation(id) {
      await awsCall(
        ctx("DeleteActivation", id),
        () => client.send(new DeleteActivationCommand({ ActivationId: id })),
        // field notes §8.3: both answers mean the activation is gone.
        ["InvalidActivationId", "InvalidActivation"],
      );
    },
    async describeManagedInstance(id) {
      let found: Awaited<ReturnType<SsmPort["describeManagedInstance"]>>;
      await awsCall(ctx("DescribeInstanceInformation", id), async () => {
        const pages = paginateDescribeInstanceInformation(
          { client },
          { Filters: [{ Key: "InstanceIds", Values: [id] }] },
        );
        for await (const page of pages) {
          const info = page.InstanceInformationList?.find((item) => item.InstanceId === id);
          if (info) {
            found = {
              id,
              pingStatus: info.PingStatus ?? "Unknown",
              ...(info.LastPingDateTime ? { lastPingAt: info.LastPingDateTime } : {}),
              ...(info.AgentVersion ? { agentVersion: info.AgentVersion } : {}),
              ...(info.IamRole ? { iamRole: info.IamRole } : {}),
            };
          }
        }
      });
      return found;
    },
    async deregisterManagedInstance(id) {
      await awsCall(
        ctx("DeregisterManagedInstance", id),
        () => client.send(new DeregisterManagedInstanceCommand({ InstanceId: id })),
        ["InvalidInstanceId"],
      );
    },
  };
}

function activationInfo(a: Activation): ActivationInfo {
  return {
    id: a.ActivationId ?? "",
    iamRoleName: a.IamRole ?? "",
    registrationLimit: a.RegistrationLimit ?? 0,
    registrationsCount: a.RegistrationsCount ?? 0,
    expiresAt: a.ExpirationDate ?? new Date(0),
    expired: a.Expired ?? false,
    ...(a.CreatedDate ? { createdAt: a.CreatedDate } : {}),
    ...(a.Description ? { description: a.Description } : {}),
    ...(a.DefaultInstanceName ? { defaultInstanceName: a.DefaultInstanceName } : {}),
    tags: tagMap(a.Tags),
  };
}
