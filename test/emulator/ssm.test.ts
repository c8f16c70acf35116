import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateActivationCommand,
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  paginateDescribeActivations,
  paginateDescribeInstanceInformation,
} from "@aws-sdk/client-ssm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorError, startEmulator } from "./index.ts";
import { clients, ECS_TASKS_TRUST, rejection, SSM_TRUST } from "./sdk-clients.ts";

const DAY = 24 * 60 * 60 * 1000;
let now = new Date("2025-03-01T12:00:00.000Z");
let emu: Emulator;
let c: ReturnType<typeof clients>;

beforeEach(async () => {
  now = new Date("2025-03-01T12:00:00.000Z");
  emu = await startEmulator({ now: () => now });
  c = clients(emu.url);
  await c.iam.send(
    new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: SSM_TRUST }),
  );
});
afterEach(() => emu.stop());

const activate = (input: Partial<ConstructorParameters<typeof CreateActivationCommand>[0]> = {}) =>
  c.ssm.send(new CreateActivationCommand({ IamRole: "ECSAnywhereRole", ...input }));

function thrown(f: () => unknown): EmulatorError {
  try {
    f();
  } catch (e) {
    if (e instanceof EmulatorError) return e;
    throw e;
  }
  throw new Error("expected an EmulatorError");
}

describe("CreateActivation", () => {
  it("returns a UUID id and a 20-character code, and describes the activation", async () => {
    const expiry = new Date(now.getTime() + 7 * DAY);
    const out = await activate({
      RegistrationLimit: 3,
      ExpirationDate: expiry,
      DefaultInstanceName: "edge",
      Description: "rack 4",
      Tags: [{ Key: "site", Value: "paris" }],
    });
    expect(out.ActivationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(out.ActivationCode).toHaveLength(20);

    const { ActivationList } = await c.ssm.send(new DescribeActivationsCommand({}));
    expect(ActivationList).toEqual([
      {
        ActivationId: out.ActivationId,
        Description: "rack 4",
        DefaultInstanceName: "edge",
        IamRole: "ECSAnywhereRole",
        RegistrationLimit: 3,
        RegistrationsCount: 0,
        ExpirationDate: expiry,
        Expired: false,
        CreatedDate: now,
        Tags: [{ Key: "site", Value: "paris" }],
      },
    ]);
  });

  it("defaults to one registration and 24 hours, and honours setNextActivationCode", async () => {
    emu.setNextActivationCode("CODECODECODECODECODE");
    const out = await activate();
    expect(out.ActivationCode).toBe("CODECODECODECODECODE");
    expect((await activate()).ActivationCode).not.toBe("CODECODECODECODECODE");
    const a = emu.state.activations[out.ActivationId ?? ""];
    expect(a?.registrationLimit).toBe(1);
    expect(a?.expirationDate).toBe(new Date(now.getTime() + DAY).toISOString());
  });

  it.each([
    ["an ARN", { IamRole: "arn:aws:iam::123456789012:role/ECSAnywhereRole" }, "failed to satisfy constraint"],
    ["a path", { IamRole: "service-role/ECSAnywhereRole" }, "failed to satisfy constraint"],
    [
      "a missing role",
      { IamRole: "Nope" },
      "Nonexistent role or missing ssm service principal in trust policy",
    ],
    ["an expiry in the past", { ExpirationDate: new Date("2025-03-01T11:00:00Z") }, "must be in the future"],
    ["an expiry past 30 days", { ExpirationDate: new Date("2025-04-01T12:00:00Z") }, "30 days"],
    ["limit 0", { RegistrationLimit: 0 }, "registrationLimit"],
    ["limit 1001", { RegistrationLimit: 1001 }, "registrationLimit"],
    ["a long name", { DefaultInstanceName: "x".repeat(257) }, "defaultInstanceName"],
    ["a long description", { Description: "x".repeat(257) }, "description"],
    ["an aws: tag", { Tags: [{ Key: "aws:x", Value: "1" }] }, "tags"],
  ])("rejects %s with ValidationException", async (_label, input, message) => {
    const e = await rejection(activate(input));
    expect(e.name).toBe("ValidationException");
    expect(e.message).toContain(message);
    expect(e.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("rejects a role whose trust policy lacks ssm.amazonaws.com, naming its ARN", async () => {
    await c.iam.send(
      new CreateRoleCommand({ RoleName: "TaskRole", AssumeRolePolicyDocument: ECS_TASKS_TRUST }),
    );
    const e = await rejection(activate({ IamRole: "TaskRole" }));
    expect(e.message).toBe(
      "Nonexistent role or missing ssm service principal in trust policy: arn:aws:iam::123456789012:role/TaskRole",
    );
  });

  it("needs iam:PassRole on the role", async () => {
    emu.deny("iam:PassRole");
    const e = await rejection(activate());
    expect(e.name).toBe("AccessDeniedException");
    expect(e.message).toBe(
      "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/ECSAnywhereRole because no identity-based policy allows the iam:PassRole action",
    );
  });
});

describe("DescribeActivations and DeleteActivation", () => {
  it("pages with the paginator, filters, scopes by region, and deletes", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await activate({ DefaultInstanceName: i % 2 === 0 ? "even" : "odd" })).ActivationId ?? "");
    }
    await clients(emu.url, { region: "eu-west-1" }).ssm.send(
      new CreateActivationCommand({ IamRole: "ECSAnywhereRole" }),
    );

    const first = await c.ssm.send(new DescribeActivationsCommand({}));
    expect(first.ActivationList).toHaveLength(2);
    expect(first.NextToken).toBeTypeOf("string");
    const seen: string[] = [];
    for await (const page of paginateDescribeActivations({ client: c.ssm }, {})) {
      seen.push(...(page.ActivationList ?? []).map((a) => a.ActivationId ?? ""));
    }
    expect(seen).toEqual(ids);

    const even = await c.ssm.send(
      new DescribeActivationsCommand({
        Filters: [{ FilterKey: "DefaultInstanceName", FilterValues: ["even"] }],
        MaxResults: 50,
      }),
    );
    expect(even.ActivationList).toHaveLength(2);
    const byId = await c.ssm.send(
      new DescribeActivationsCommand({
        Filters: [{ FilterKey: "ActivationIds", FilterValues: [ids[3] ?? ""] }],
      }),
    );
    expect(byId.ActivationList?.map((a) => a.ActivationId)).toEqual([ids[3]]);

    const badToken = await rejection(c.ssm.send(new DescribeActivationsCommand({ NextToken: "garbage" })));
    expect(badToken.name).toBe("InvalidNextToken");

    await c.ssm.send(new DeleteActivationCommand({ ActivationId: ids[0] }));
    // field notes §8.3: deleting it again answers InvalidActivation ("might have been deleted"); an id SSM never
    // issued answers InvalidActivationId.
    const again = await rejection(c.ssm.send(new DeleteActivationCommand({ ActivationId: ids[0] })));
    expect(again.name).toBe("InvalidActivation");
    expect(again.message).toMatch(/might have been deleted/);
    const never = await rejection(
      c.ssm.send(new DeleteActivationCommand({ ActivationId: "00000000-0000-4000-8000-000000000000" })),
    );
    expect(never.name).toBe("InvalidActivationId");
    expect(Object.keys(emu.state.activations)).toHaveLength(5);
  });

  it("computes Expired from the clock", async () => {
    const { ActivationId } = await activate({ ExpirationDate: new Date(now.getTime() + DAY) });
    now = new Date(now.getTime() + 2 * DAY);
    const { ActivationList } = await c.ssm.send(new DescribeActivationsCommand({}));
    expect(ActivationList?.[0]).toMatchObject({ ActivationId, Expired: true });
    expect(emu.state.activations[ActivationId ?? ""]?.expired).toBe(true);
  });
});

describe("registration hook (what amazon-ssm-agent -register does)", () => {
  it("registers an mi- node carrying the activation's tags and role, and counts registrations", async () => {
    const { ActivationId = "", ActivationCode = "" } = await activate({
      RegistrationLimit: 2,
      DefaultInstanceName: "edge",
      Tags: [{ Key: "site", Value: "paris" }],
    });
    const { managedInstanceId } = emu.registerManagedInstance({
      activationId: ActivationId,
      activationCode: ActivationCode,
      region: "us-east-1",
    });
    expect(managedInstanceId).toMatch(/^mi-[0-9a-f]{17}$/);
    expect(emu.state.managedInstances[managedInstanceId]).toMatchObject({
      activationId: ActivationId,
      iamRole: "ECSAnywhereRole",
      name: "edge",
      tags: { site: "paris" },
    });
    const { ActivationList } = await c.ssm.send(new DescribeActivationsCommand({}));
    expect(ActivationList?.[0]?.RegistrationsCount).toBe(1);

    const { InstanceInformationList } = await c.ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "InstanceIds", Values: [managedInstanceId] }],
      }),
    );
    expect(InstanceInformationList).toHaveLength(1);
    expect(InstanceInformationList?.[0]).toMatchObject({
      InstanceId: managedInstanceId,
      PingStatus: "Online",
      LastPingDateTime: now,
      IamRole: "ECSAnywhereRole",
      ResourceType: "ManagedInstance",
      RegistrationDate: now,
      ActivationId,
    });
    expect(InstanceInformationList?.[0]?.AgentVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("rejects an unknown id, a wrong code, another region, an expired activation and an exhausted one", async () => {
    const { ActivationId = "", ActivationCode = "" } = await activate({
      ExpirationDate: new Date(now.getTime() + DAY),
    });
    const ok = { activationId: ActivationId, activationCode: ActivationCode, region: "us-east-1" };

    const unknown = thrown(() =>
      emu.registerManagedInstance({ ...ok, activationId: "00000000-0000-4000-8000-000000000000" }),
    );
    expect(unknown.code).toBe("InvalidActivationId");
    expect(thrown(() => emu.registerManagedInstance({ ...ok, region: "eu-west-1" })).code).toBe(
      "InvalidActivationId",
    );
    const wrongCode = thrown(() => emu.registerManagedInstance({ ...ok, activationCode: "x".repeat(20) }));
    expect(wrongCode.code).toBe("InvalidActivation");

    emu.registerManagedInstance(ok);
    const exhausted = thrown(() => emu.registerManagedInstance(ok));
    expect(exhausted.code).toBe("InvalidActivation");
    expect(exhausted.message).toContain("registration limit reached");

    const second = await activate({ ExpirationDate: new Date(now.getTime() + DAY), RegistrationLimit: 5 });
    now = new Date(now.getTime() + DAY);
    const expired = thrown(() =>
      emu.registerManagedInstance({
        activationId: second.ActivationId ?? "",
        activationCode: second.ActivationCode ?? "",
        region: "us-east-1",
      }),
    );
    expect(expired.code).toBe("InvalidActivation");
    expect(expired.message).toContain("expired");
    expect(Object.keys(emu.state.managedInstances)).toHaveLength(1);
  });
});

describe("managed instances", () => {
  it("pages DescribeInstanceInformation and deregisters", async () => {
    const { ActivationId = "", ActivationCode = "" } = await activate({ RegistrationLimit: 10 });
    const ids = Array.from(
      { length: 5 },
      () =>
        emu.registerManagedInstance({
          activationId: ActivationId,
          activationCode: ActivationCode,
          region: "us-east-1",
        }).managedInstanceId,
    );
    const all: string[] = [];
    for await (const page of paginateDescribeInstanceInformation({ client: c.ssm }, { MaxResults: 5 })) {
      expect(page.InstanceInformationList?.length).toBeLessThanOrEqual(2);
      all.push(...(page.InstanceInformationList ?? []).map((i) => i.InstanceId ?? ""));
    }
    expect(all).toEqual(ids);

    await c.ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: ids[0] }));
    const gone = await c.ssm.send(
      new DescribeInstanceInformationCommand({
        InstanceInformationFilterList: [{ key: "InstanceIds", valueSet: [ids[0] ?? ""] }],
      }),
    );
    expect(gone.InstanceInformationList).toEqual([]);
    const again = await rejection(c.ssm.send(new DeregisterManagedInstanceCommand({ InstanceId: ids[0] })));
    expect(again.name).toBe("InvalidInstanceId");
    const badKey = await rejection(
      c.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: "Nope", Values: ["x"] }] })),
    );
    expect(badKey.name).toBe("InvalidFilterKey");
  });
});
