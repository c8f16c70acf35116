import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DetachRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { testClients } from "../support/aws.ts";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
const ECS_FOR_EC2 = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";
const EXEC_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

const ctx = useEmulator();

const trustOf = (role: string) => JSON.parse(ctx.emu.state.roles[role]?.assumeRolePolicyDocument ?? "{}");

describe("setup on a fresh account", () => {
  it("creates both roles, their policies and the cluster, then a re-run makes no mutating call", async () => {
    const first = await cli(["setup", "--cluster", "edge"], ctx.env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const roles = ctx.emu.state.roles;
    expect(roles.ECSAnywhereRole?.attachedPolicyArns.sort()).toEqual([SSM_CORE, ECS_FOR_EC2].sort());
    expect(roles.ECSAnywhereRole?.tags.ManagedBy).toBe("ecs-anywhere-agent");
    expect(trustOf("ECSAnywhereRole").Statement[0]).toMatchObject({
      Principal: { Service: "ssm.amazonaws.com" },
      Condition: {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-west-1:123456789012:*" },
      },
    });
    expect(roles.ecsTaskExecutionRole?.attachedPolicyArns).toEqual([EXEC_POLICY]);
    expect(trustOf("ecsTaskExecutionRole").Statement[0].Principal.Service).toBe("ecs-tasks.amazonaws.com");
    const cluster = Object.values(ctx.emu.state.clusters).find((c) => c.clusterName === "edge");
    expect(cluster?.status).toBe("ACTIVE");
    expect(cluster?.tags.ManagedBy).toBe("ecs-anywhere-agent");

    ctx.emu.clearCalls();
    const second = await cli(["setup", "--cluster", "edge", "--output", "json"], ctx.env);
    expect(second.code).toBe(0);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
    expect(ctx.emu.calls().length).toBeLessThanOrEqual(8);
    const plan = JSON.parse(second.stdout);
    expect(plan).toMatchObject({ dryRun: false, converged: true, changes: [] });
  });

  it("creates task roles and least-privilege policies from the config file", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const dir = await mkdtemp("/tmp/ecsa-setup-");
    const file = `${dir}/config.yaml`;
    await writeFile(
      file,
      [
        "cluster: edge",
        "instanceRole: { permissions: least-privilege, selfObservation: true }",
        "taskRoles:",
        "  - name: reports-task",
        "    s3: [{ bucket: reports-bucket, prefix: daily/, access: read }]",
      ].join("\n"),
    );
    const run = await cli(["setup", "--config", file], ctx.env);
    expect(run.code).toBe(0);
    const instance = ctx.emu.state.roles.ECSAnywhereRole;
    expect(instance?.attachedPolicyArns).toEqual([SSM_CORE]);
    expect(Object.keys(instance?.inlinePolicies ?? {}).sort()).toEqual([
      "ecs-anywhere-agent-container-instance",
      "ecs-anywhere-agent-self-observation",
    ]);
    expect(Object.keys(ctx.emu.state.roles["reports-task"]?.inlinePolicies ?? {})).toEqual([
      "ecs-anywhere-agent-s3",
    ]);
    ctx.emu.clearCalls();
    expect((await cli(["setup", "--config", file], ctx.env)).code).toBe(0);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
  });
});

describe("setup --dry-run", () => {
  it("prints the whole plan as JSON and makes zero mutating calls", async () => {
    const run = await cli(["setup", "--dry-run", "--output", "json"], ctx.env);
    expect(run.code).toBe(0);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
    const plan = JSON.parse(run.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.converged).toBe(false);
    const ids = plan.changes.map((change: { id: string }) => change.id);
    expect(ids).toContain("instance-role/role");
    expect(ids).toContain("execution-role/role");
    expect(ids).toContain("cluster");
    for (const change of plan.changes) {
      expect(Object.keys(change).sort()).toEqual(["action", "applied", "id", "reason", "step", "summary"]);
      expect(change.applied).toBe(false);
    }
  });

  it("prints a readable text plan with a reason per change", async () => {
    const run = await cli(["setup", "--dry-run"], ctx.env);
    expect(run.stdout).toMatch(/^Plan for account \d{12}, region eu-west-1: \d+ change\(s\)\.\n/);
    expect(run.stdout).toMatch(/\ndry run: nothing was changed\n$/);
    expect(run.stdout).toContain("+ create role ECSAnywhereRole");
    expect(run.stdout).toContain("why: the role does not exist");
    expect(ctx.emu.mutatingCalls()).toEqual([]);
  });
});

describe("setup output vocabulary", () => {
  it("names existing resources by their full ARN, and a converged account says so", async () => {
    await cli(["setup", "--cluster", "edge"], ctx.env);
    const again = await cli(["setup", "--cluster", "edge"], ctx.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^In account (\d{12}), region eu-west-1: everything is up to date, no changes\.\n/,
    );
    const account = /account (\d{12})/.exec(again.stdout)?.[1];
    expect(again.stdout).toContain(
      `OK cluster: cluster arn:aws:ecs:eu-west-1:${account}:cluster/edge is ACTIVE`,
    );
    expect(again.stdout).toContain(`role arn:aws:iam::${account}:role/ECSAnywhereRole is up to date`);
    expect(again.stdout).not.toContain("dry run");
  });
});

describe("setup repairs drift", () => {
  it("re-attaches a detached policy, restores the trust and rewrites an edited inline policy, keeping foreign ones", async () => {
    await cli(["setup", "--config", "/dev/null", "--cluster", "edge"], ctx.env);
    await cli(["setup", "--cluster", "edge"], {
      ...ctx.env,
      ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "least-privilege",
    });
    const { iam } = testClients(ctx.emu.url);
    await iam.send(new DetachRolePolicyCommand({ RoleName: "ECSAnywhereRole", PolicyArn: SSM_CORE }));
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
      }),
    );
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
    const edited = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyName: "ecs-anywhere-agent-container-instance",
        PolicyDocument: JSON.stringify(edited),
      }),
    );
    const operatorPolicy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "ECSAnywhereRole",
        PolicyName: "operator-extra",
        PolicyDocument: JSON.stringify(operatorPolicy),
      }),
    );

    const lpEnv = {
      ...ctx.env,
      ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "least-privilege",
      ECS_ANYWHERE_CLUSTER: "edge",
    };
    const plan = await cli(["setup", "--dry-run", "--output", "json"], lpEnv);
    const byId = Object.fromEntries(JSON.parse(plan.stdout).changes.map((c: { id: string }) => [c.id, c]));
    expect(byId["instance-role/trust-policy"]).toMatchObject({ action: "update" });
    expect(byId["instance-role/attach/AmazonSSMManagedInstanceCore"]).toMatchObject({ action: "create" });
    expect(byId["instance-role/inline/ecs-anywhere-agent-container-instance"]).toMatchObject({
      action: "update",
    });

    ctx.emu.clearCalls();
    expect((await cli(["setup"], lpEnv)).code).toBe(0);
    const role = ctx.emu.state.roles.ECSAnywhereRole;
    expect(role?.attachedPolicyArns).toContain(SSM_CORE);
    expect(role?.attachedPolicyArns).toContain("arn:aws:iam::aws:policy/ReadOnlyAccess");
    expect(JSON.parse(role?.inlinePolicies["operator-extra"] ?? "{}")).toEqual(operatorPolicy);
    expect(JSON.parse(role?.inlinePolicies["ecs-anywhere-agent-container-instance"] ?? "{}")).not.toEqual(
      edited,
    );
    const principals = trustOf("ECSAnywhereRole").Statement.map(
      (s: { Principal: { Service: string } }) => s.Principal.Service,
    );
    expect(principals).toEqual(["ec2.amazonaws.com", "ssm.amazonaws.com"]);
    // The restored statement carries the confused-deputy conditions (field notes §5).
    expect(trustOf("ECSAnywhereRole").Statement[1].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-west-1:123456789012:*" },
    });

    ctx.emu.clearCalls();
    await cli(["setup"], lpEnv);
    expect(ctx.emu.mutatingCalls()).toEqual([]);
  });

  it("switching an agent-created role to least-privilege detaches the broad managed policy", async () => {
    await cli(["setup"], ctx.env);
    const run = await cli(["setup", "--output", "json"], {
      ...ctx.env,
      ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "least-privilege",
    });
    const ids = JSON.parse(run.stdout).changes.map(
      (c: { id: string; action: string }) => `${c.action} ${c.id}`,
    );
    expect(ids).toContain("delete instance-role/detach/AmazonEC2ContainerServiceforEC2Role");
    expect(ctx.emu.state.roles.ECSAnywhereRole?.attachedPolicyArns).toEqual([SSM_CORE]);
  });

  it("keeps every region's SourceArn when the role is used from a second region", async () => {
    await cli(["setup"], ctx.env);
    await cli(["setup", "--region", "us-west-2"], ctx.env);
    const statement = trustOf("ECSAnywhereRole").Statement[0];
    expect(statement.Condition.ArnEquals["aws:SourceArn"]).toEqual([
      "arn:aws:ssm:eu-west-1:123456789012:*",
      "arn:aws:ssm:us-west-2:123456789012:*",
    ]);
  });
});

describe("setup on roles the agent did not create", () => {
  it("only extends them with what is required, says so, never tags or detaches", async () => {
    const { iam } = testClients(ctx.emu.url);
    const trust = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
    await iam.send(
      new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: "ECSAnywhereRole", PolicyArn: ECS_FOR_EC2 }));

    const run = await cli(["setup", "--output", "json"], {
      ...ctx.env,
      ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "least-privilege",
    });
    expect(run.code).toBe(0);
    const changes = JSON.parse(run.stdout).changes.filter((c: { id: string }) =>
      c.id.startsWith("instance-role/"),
    );
    expect(changes.find((c: { id: string }) => c.id === "instance-role/trust-policy").reason).toContain(
      "not created by the agent",
    );
    expect(changes.find((c: { id: string }) => c.id.includes("detach")).action).toBe("none");
    expect(changes.some((c: { id: string }) => c.id === "instance-role/tags")).toBe(false);
    const role = ctx.emu.state.roles.ECSAnywhereRole;
    expect(role?.tags).toEqual({});
    expect(role?.attachedPolicyArns).toContain(ECS_FOR_EC2);
    expect(ctx.emu.calls().some((c) => c.action === "DetachRolePolicy" || c.action === "DeleteRole")).toBe(
      false,
    );
  });
});
