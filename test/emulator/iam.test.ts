import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AWS_MANAGED_POLICY_ARNS, type Emulator, startEmulator } from "./index.ts";
import { clients, ECS_TASKS_TRUST, rejection, SSM_TRUST } from "./sdk-clients.ts";

let emu: Emulator;
let iam: ReturnType<typeof clients>["iam"];
const NOW = new Date("2025-03-01T12:00:00Z");

beforeEach(async () => {
  emu = await startEmulator({
    now: () => NOW,
    extraPolicyArns: ["arn:aws:iam::123456789012:policy/Boundary"],
  });
  iam = clients(emu.url).iam;
});
afterEach(() => emu.stop());

const statement = (i: number) => ({
  Effect: "Allow",
  Action: "s3:GetObject",
  Resource: `arn:aws:s3:::bucket-${i}/*`,
});
const identityPolicy = (i = 0) => JSON.stringify({ Version: "2012-10-17", Statement: [statement(i)] });

async function createRole(name = "ECSAnywhereRole", extra: Record<string, unknown> = {}) {
  return iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: SSM_TRUST, ...extra }));
}

describe("roles", () => {
  it("creates and reads a role with tags, description, path and boundary through the real client", async () => {
    const created = await createRole("ECSAnywhereRole", {
      Path: "/ecs-anywhere/",
      Description: "instance role",
      Tags: [
        { Key: "managed-by", Value: "ecs-anywhere-agent" },
        { Key: "env", Value: "" },
      ],
      PermissionsBoundary: "arn:aws:iam::123456789012:policy/Boundary",
    });
    expect(created.Role?.Arn).toBe("arn:aws:iam::123456789012:role/ecs-anywhere/ECSAnywhereRole");
    expect(created.Role?.CreateDate).toEqual(NOW);

    const { Role } = await iam.send(new GetRoleCommand({ RoleName: "ECSAnywhereRole" }));
    expect(Role?.RoleName).toBe("ECSAnywhereRole");
    expect(Role?.Path).toBe("/ecs-anywhere/");
    expect(Role?.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(Role?.Description).toBe("instance role");
    expect(Role?.MaxSessionDuration).toBe(3600);
    expect(Role?.CreateDate).toBeInstanceOf(Date);
    expect(Role?.Tags).toEqual([
      { Key: "managed-by", Value: "ecs-anywhere-agent" },
      { Key: "env", Value: "" },
    ]);
    expect(Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: "Policy",
      PermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/Boundary",
    });
    // AWS answers documents URL-encoded; decoding gives back exactly what was sent.
    expect(Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(SSM_TRUST));
    expect(JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ""))).toEqual(
      JSON.parse(SSM_TRUST),
    );
  });

  it("keeps special characters of documents intact through URL-encoding and XML", async () => {
    const trust = JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "a&b<c>'d' é +%",
            Effect: "Allow",
            Principal: { Service: "ssm.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
          },
        ],
      },
      null,
      2,
    );
    await createRole("R", { AssumeRolePolicyDocument: trust });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: "R" }));
    expect(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? "")).toBe(trust);
  });

  it("updates the trust policy, tags and untags, and deletes", async () => {
    await createRole("R", { Tags: [{ Key: "a", Value: "1" }] });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "R", PolicyDocument: ECS_TASKS_TRUST }));
    await iam.send(
      new TagRoleCommand({
        RoleName: "R",
        Tags: [
          { Key: "A", Value: "2" },
          { Key: "b", Value: "3" },
        ],
      }),
    );
    await iam.send(new UntagRoleCommand({ RoleName: "R", TagKeys: ["b"] }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: "R" }));
    expect(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? "")).toBe(ECS_TASKS_TRUST);
    // Tag keys are case-insensitive in IAM: "A" replaced "a".
    expect(Role?.Tags).toEqual([{ Key: "A", Value: "2" }]);
    await iam.send(new DeleteRoleCommand({ RoleName: "R" }));
    expect(emu.state.roles).toEqual({});
  });

  it("pages role tags with Marker / IsTruncated", async () => {
    await createRole("R", { Tags: [1, 2, 3, 4, 5].map((i) => ({ Key: `k${i}`, Value: `v${i}` })) });
    const first = await iam.send(new ListRoleTagsCommand({ RoleName: "R" }));
    expect(first.Tags).toHaveLength(2);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toBeTypeOf("string");
    const keys = [...(first.Tags ?? [])];
    let marker = first.Marker;
    while (marker !== undefined) {
      const page = await iam.send(new ListRoleTagsCommand({ RoleName: "R", Marker: marker }));
      keys.push(...(page.Tags ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    }
    expect(keys.map((t) => t.Key)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
  });

  it("sets a permissions boundary later", async () => {
    await createRole("R");
    await iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: "R",
        PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    );
    expect(emu.state.roles.R?.permissionsBoundaryArn).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
  });
});

describe("GetPolicy", () => {
  it("answers known managed policies and NoSuchEntity for any other ARN", async () => {
    const boundary = "arn:aws:iam::123456789012:policy/Boundary";
    await createRole("Bounded", { PermissionsBoundary: boundary });
    const out = await iam.send(new GetPolicyCommand({ PolicyArn: boundary }));
    expect(out.Policy).toMatchObject({
      PolicyName: "Boundary",
      Arn: boundary,
      Path: "/",
      DefaultVersionId: "v1",
      PermissionsBoundaryUsageCount: 1,
    });
    const core = AWS_MANAGED_POLICY_ARNS.find((arn) => arn.endsWith("/AmazonSSMManagedInstanceCore")) ?? "";
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: core }))).Policy?.PolicyName).toBe(
      "AmazonSSMManagedInstanceCore",
    );
    const missing = await rejection(
      iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::123456789012:policy/Nope" })),
    );
    expect(missing).toMatchObject({ name: "NoSuchEntityException", $metadata: { httpStatusCode: 404 } });
  });
});

describe("managed policy attachments", () => {
  it("attaches, lists every page with the paginator, and detaches", async () => {
    await createRole("R");
    for (const arn of AWS_MANAGED_POLICY_ARNS) {
      await iam.send(new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: arn }));
    }
    // Attaching twice is a no-op, as in AWS.
    await iam.send(new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: AWS_MANAGED_POLICY_ARNS[0] }));
    const first = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "R" }));
    expect(first.AttachedPolicies).toHaveLength(2);
    expect(first.IsTruncated).toBe(true);

    const all: string[] = [];
    for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: "R" })) {
      all.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ""));
    }
    expect(all).toEqual(AWS_MANAGED_POLICY_ARNS);
    expect(first.AttachedPolicies?.[0]).toEqual({
      PolicyName: "AmazonSSMManagedInstanceCore",
      PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    });

    const one = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "R", MaxItems: 1 }));
    expect(one.AttachedPolicies).toHaveLength(1);
    const serviceRole = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "R", PathPrefix: "/service-role/", MaxItems: 100 }),
    );
    expect(serviceRole.AttachedPolicies?.map((p) => p.PolicyName)).toEqual([
      "AmazonEC2ContainerServiceforEC2Role",
      "AmazonECSTaskExecutionRolePolicy",
    ]);
    expect(serviceRole.IsTruncated).toBe(false);
    expect(serviceRole.Marker).toBeUndefined();

    await iam.send(new DetachRolePolicyCommand({ RoleName: "R", PolicyArn: AWS_MANAGED_POLICY_ARNS[0] }));
    expect(emu.state.roles.R?.attachedPolicyArns).toEqual(AWS_MANAGED_POLICY_ARNS.slice(1));
  });

  it("rejects unknown policies, the 11th policy, and deleting a role with policies", async () => {
    await createRole("R");
    const unknown = await rejection(
      iam.send(new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: "arn:aws:iam::aws:policy/Nope" })),
    );
    expect(unknown.name).toBe("NoSuchEntityException");
    expect(unknown.message).toBe("Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.");
    expect(unknown.$metadata).toMatchObject({ httpStatusCode: 404 });

    const many = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::123456789012:policy/P${i}`);
    const emu2 = await startEmulator({ extraPolicyArns: many });
    try {
      const iam2 = clients(emu2.url).iam;
      await iam2.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
      for (const arn of many) await iam2.send(new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: arn }));
      const limit = await rejection(
        iam2.send(new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: AWS_MANAGED_POLICY_ARNS[0] })),
      );
      expect(limit.name).toBe("LimitExceededException");
      expect(limit.$metadata).toMatchObject({ httpStatusCode: 409 });
      const conflict = await rejection(iam2.send(new DeleteRoleCommand({ RoleName: "R" })));
      expect(conflict.name).toBe("DeleteConflictException");
    } finally {
      await emu2.stop();
    }

    const notAttached = await rejection(
      iam.send(new DetachRolePolicyCommand({ RoleName: "R", PolicyArn: AWS_MANAGED_POLICY_ARNS[0] })),
    );
    expect(notAttached.name).toBe("NoSuchEntityException");
  });
});

describe("inline policies", () => {
  it("puts, gets (URL-encoded), lists with paging and deletes", async () => {
    await createRole("R");
    for (const name of ["c", "a", "b"]) {
      await iam.send(
        new PutRolePolicyCommand({ RoleName: "R", PolicyName: name, PolicyDocument: identityPolicy() }),
      );
    }
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "R", PolicyName: "a" }));
    expect(got).toMatchObject({
      RoleName: "R",
      PolicyName: "a",
      PolicyDocument: encodeURIComponent(identityPolicy()),
    });
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ""))).toEqual(JSON.parse(identityPolicy()));

    const first = await iam.send(new ListRolePoliciesCommand({ RoleName: "R" }));
    expect(first).toMatchObject({ PolicyNames: ["a", "b"], IsTruncated: true });
    const names: string[] = [];
    for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: "R" })) {
      names.push(...(page.PolicyNames ?? []));
    }
    expect(names).toEqual(["a", "b", "c"]);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: "R", PolicyName: "b" }));
    expect(Object.keys(emu.state.roles.R?.inlinePolicies ?? {}).sort()).toEqual(["a", "c"]);
    const missing = await rejection(iam.send(new GetRolePolicyCommand({ RoleName: "R", PolicyName: "b" })));
    expect(missing.name).toBe("NoSuchEntityException");
    expect(missing.message).toBe("The role policy with name b cannot be found.");
    const conflict = await rejection(iam.send(new DeleteRoleCommand({ RoleName: "R" })));
    expect(conflict.name).toBe("DeleteConflictException");
    expect(conflict.message).toBe("Cannot delete entity, must delete policies first.");
  });

  it.each([
    ["not JSON", "{", "Syntax errors in policy."],
    ["no Version", JSON.stringify({ Statement: [statement(0)] }), "Missing required field Version"],
    ["no Statement", JSON.stringify({ Version: "2012-10-17" }), "Missing required field Statement"],
    [
      "no Effect",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Action: "s3:GetObject", Resource: "*" }] }),
      "Missing required field Effect",
    ],
    [
      "no Action",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Resource: "*" }] }),
      "Missing required field Action",
    ],
    [
      "no Resource",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] }),
      "Missing required field Resource",
    ],
    [
      "a Principal",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ ...statement(0), Principal: { Service: "ecs.amazonaws.com" } }],
      }),
      "Policy document should not specify a principal.",
    ],
  ])("rejects an identity policy with %s as MalformedPolicyDocument", async (_label, document, message) => {
    await createRole("R");
    const e = await rejection(
      iam.send(new PutRolePolicyCommand({ RoleName: "R", PolicyName: "p", PolicyDocument: document })),
    );
    expect(e.name).toBe("MalformedPolicyDocumentException");
    expect(e.message).toBe(message);
    expect(e.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("rejects inline policies past 10240 characters per role (white space not counted)", async () => {
    await createRole("R");
    const big = (n: number, from: number) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: Array.from({ length: n }, (_, i) => statement(from + i)),
      });
    // Pretty-printed white space is not counted, as in IAM.
    const pretty = JSON.stringify(JSON.parse(big(90, 0)), null, 4);
    expect(pretty.length).toBeGreaterThan(10240);
    await iam.send(new PutRolePolicyCommand({ RoleName: "R", PolicyName: "p1", PolicyDocument: pretty }));
    const e = await rejection(
      iam.send(new PutRolePolicyCommand({ RoleName: "R", PolicyName: "p2", PolicyDocument: big(60, 100) })),
    );
    expect(e.name).toBe("LimitExceededException");
    expect(e.message).toBe("Maximum policy size of 10240 bytes exceeded for role R");
  });
});

describe("errors", () => {
  it("maps each IAM error to the SDK's exception name and status", async () => {
    const missing = await rejection(iam.send(new GetRoleCommand({ RoleName: "Nope" })));
    expect(missing.name).toBe("NoSuchEntityException");
    expect(missing.message).toBe("The role with name Nope cannot be found.");
    expect(missing.$metadata).toMatchObject({ httpStatusCode: 404 });
    expect(missing.$metadata).toHaveProperty("requestId");
    expect((missing.Error as { Code?: string }).Code).toBe("NoSuchEntity");

    await createRole("R");
    const dup = await rejection(createRole("r"));
    expect(dup.name).toBe("EntityAlreadyExistsException");
    expect(dup.message).toBe("Role with name r already exists.");
    expect(dup.$metadata).toMatchObject({ httpStatusCode: 409 });

    const badName = await rejection(createRole("bad name"));
    expect(badName.name).toBe("ValidationError");
    expect(badName.message).toContain("Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    const long = await rejection(createRole("x".repeat(65)));
    expect(long.name).toBe("ValidationError");
    const badPath = await rejection(createRole("P", { Path: "nope" }));
    expect(badPath.name).toBe("ValidationError");

    const noPrincipal = await rejection(
      createRole("T", {
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }],
        }),
      }),
    );
    expect(noPrincipal.name).toBe("MalformedPolicyDocumentException");
    expect(noPrincipal.message).toBe("Missing required field Principal");
    const notJson = await rejection(createRole("T", { AssumeRolePolicyDocument: "not json" }));
    expect(notJson.name).toBe("MalformedPolicyDocumentException");
    const badUpdate = await rejection(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "R", PolicyDocument: identityPolicy() })),
    );
    expect(badUpdate.name).toBe("MalformedPolicyDocumentException");

    const boundary = await rejection(
      createRole("B", { PermissionsBoundary: "arn:aws:iam::123456789012:policy/Nope" }),
    );
    expect(boundary.name).toBe("NoSuchEntityException");

    const tooMany = await rejection(
      iam.send(
        new TagRoleCommand({
          RoleName: "R",
          Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "" })),
        }),
      ),
    );
    expect(tooMany.name).toBe("LimitExceededException");
    expect(Object.keys(emu.state.roles)).toEqual(["R"]);
  });
});
