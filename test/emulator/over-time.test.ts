import {
  CreateClusterCommand,
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
} from "@aws-sdk/client-ecs";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateActivationCommand, DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorControl, startEmulator } from "./index.ts";
import { clients, rejection, SSM_TRUST, TEST_CREDENTIALS } from "./sdk-clients.ts";

// Behaviours over time (field notes §8) and partitions (field notes §5.8), driven by the emulator's `now` clock.

let now = new Date("2025-03-01T12:00:00.000Z");
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};
let emu: Emulator;
afterEach(() => emu.stop());

async function start(options: { propagationDelayMs?: number; agentConnectDelayMs?: number } = {}) {
  now = new Date("2025-03-01T12:00:00.000Z");
  emu = await startEmulator({ now: () => now, ...options });
  return clients(emu.url, { region: "eu-west-1" });
}

const NONEXISTENT =
  /^Nonexistent role or missing ssm service principal in trust policy: arn:aws:iam::123456789012:role\/R$/;

describe("IAM eventual consistency (propagationDelayMs)", () => {
  it("hides a new role from CreateActivation until the delay has passed on the emulator's clock", async () => {
    const c = await start({ propagationDelayMs: 8_000 });
    await c.iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
    const early = await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "R" })));
    expect(early.name).toBe("ValidationException");
    expect(early.message).toMatch(NONEXISTENT);
    advance(7_999);
    await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "R" })));
    advance(1);
    await expect(c.ssm.send(new CreateActivationCommand({ IamRole: "R" }))).resolves.toHaveProperty(
      "ActivationId",
    );
  });

  it("hides a changed trust policy again for the delay", async () => {
    const c = await start({ propagationDelayMs: 5_000 });
    await c.iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
    advance(5_000);
    await c.ssm.send(new CreateActivationCommand({ IamRole: "R" }));
    await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "R", PolicyDocument: SSM_TRUST }));
    expect((await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "R" })))).message).toMatch(
      NONEXISTENT,
    );
  });

  it("answers the account's first CreateCluster calls with the service-linked role error for the delay", async () => {
    const c = await start({ propagationDelayMs: 3_000 });
    const first = await rejection(c.ecs.send(new CreateClusterCommand({ clusterName: "edge" })));
    expect(first.name).toBe("InvalidParameterException");
    expect(first.message).toMatch(/^Unable to assume the service linked role/);
    advance(3_000);
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    expect(emu.state.clusters["arn:aws:ecs:eu-west-1:123456789012:cluster/edge"]?.status).toBe("ACTIVE");
  });

  it("is off by default, and the control endpoint turns it on", async () => {
    const c = await start();
    await c.iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
    await c.ssm.send(new CreateActivationCommand({ IamRole: "R" }));
    await new EmulatorControl(emu.url).setDelays({ propagationDelayMs: 1_000 });
    await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "R", PolicyDocument: SSM_TRUST }));
    await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "R" })));
    await expect(new EmulatorControl(emu.url).setDelays({ propagationDelayMs: -1 })).rejects.toThrow(
      /propagationDelayMs must be a number >= 0/,
    );
  });
});

/** An ACTIVE cluster with one registered mi- host; returns the container instance ARN. */
async function registeredHost(c: ReturnType<typeof clients>): Promise<string> {
  await c.iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }));
  await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
  const a = await c.ssm.send(new CreateActivationCommand({ IamRole: "R" }));
  const { managedInstanceId } = emu.registerManagedInstance({
    activationId: a.ActivationId ?? "",
    activationCode: a.ActivationCode ?? "",
    region: "eu-west-1",
  });
  return emu.registerContainerInstance({ cluster: "edge", managedInstanceId }).containerInstanceArn;
}

describe("the agent's control-plane session (agentConnectDelayMs)", () => {
  it("reports agentConnected false until the delay after registration has passed", async () => {
    const c = await start({ agentConnectDelayMs: 20_000 });
    const arn = await registeredHost(c);
    const connected = async () =>
      (
        await c.ecs.send(
          new DescribeContainerInstancesCommand({ cluster: "edge", containerInstances: [arn] }),
        )
      ).containerInstances?.[0]?.agentConnected;
    expect(await connected()).toBe(false);
    expect(emu.state.containerInstances[arn]?.agentConnected).toBe(false);
    advance(20_000);
    expect(await connected()).toBe(true);
  });
});

describe("DeregisterContainerInstance with running tasks", () => {
  it("refuses without force (InvalidParameterException), and with force stops the tasks and deregisters", async () => {
    const c = await start();
    const arn = await registeredHost(c);
    await new EmulatorControl(emu.url).setRunningTasks(arn, 2);
    const described = await c.ecs.send(
      new DescribeContainerInstancesCommand({ cluster: "edge", containerInstances: [arn] }),
    );
    expect(described.containerInstances?.[0]?.runningTasksCount).toBe(2);
    const refused = await rejection(
      c.ecs.send(new DeregisterContainerInstanceCommand({ cluster: "edge", containerInstance: arn })),
    );
    expect(refused.name).toBe("InvalidParameterException");
    expect(refused.message).toMatch(/tasks running/);
    expect(emu.state.containerInstances[arn]?.status).toBe("ACTIVE");
    await c.ecs.send(
      new DeregisterContainerInstanceCommand({ cluster: "edge", containerInstance: arn, force: true }),
    );
    expect(emu.state.containerInstances[arn]).toMatchObject({ status: "INACTIVE", runningTasksCount: 0 });
  });
});

describe("DescribeInstanceInformation filters", () => {
  it("accepts AgentVersion and AssociationStatus", async () => {
    const c = await start();
    await registeredHost(c);
    const list = async (Key: string, Values: string[]) =>
      (await c.ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key, Values }] })))
        .InstanceInformationList ?? [];
    const [node] = await list("PingStatus", ["Online"]);
    expect(await list("AgentVersion", [node?.AgentVersion ?? ""])).toHaveLength(1);
    expect(await list("AgentVersion", ["0.0.0.0"])).toHaveLength(0);
    // The emulated nodes have no associations.
    expect(await list("AssociationStatus", ["Success"])).toHaveLength(0);
  });
});

describe("partitions", () => {
  it("answers ARNs in the partition of the request's region, with that partition's managed policies", async () => {
    await start();
    const c = clients(emu.url, { region: "cn-north-1" });
    const identity = await c.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe("arn:aws-cn:iam::123456789012:user/emulator");
    const role = await c.iam.send(
      new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST }),
    );
    expect(role.Role?.Arn).toBe("arn:aws-cn:iam::123456789012:role/R");
    await c.iam.send(
      new AttachRolePolicyCommand({
        RoleName: "R",
        PolicyArn: "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
      }),
    );
    const global = await rejection(
      c.iam.send(
        new AttachRolePolicyCommand({ RoleName: "R", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
      ),
    );
    expect(global.name).toBe("NoSuchEntityException");
    const cluster = await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));
    expect(cluster.cluster?.clusterArn).toBe("arn:aws-cn:ecs:cn-north-1:123456789012:cluster/edge");
    const gov = clients(emu.url, { region: "us-gov-east-1" });
    expect((await gov.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws-us-gov:iam::123456789012:user/emulator",
    );
  });

  it("refuses IAM requests signed for a region other than the partition's IAM region", async () => {
    await start();
    for (const region of ["eu-west-1", "cn-northwest-1", "us-gov-east-1"]) {
      const iam = new IAMClient({ region, endpoint: emu.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      const e = await rejection(
        iam.send(new CreateRoleCommand({ RoleName: "R", AssumeRolePolicyDocument: SSM_TRUST })),
      );
      expect(e.name).toBe("SignatureDoesNotMatch");
      expect(e.message).toBe(`Credential should be scoped to a valid region, not '${region}'.`);
    }
  });
});

describe("role paths and CreateActivation (field notes §5.9)", () => {
  it("does not find a role under a path by its name: SSM resolves arn:...:role/NAME", async () => {
    const c = await start();
    await c.iam.send(
      new CreateRoleCommand({ RoleName: "R", Path: "/ecs/", AssumeRolePolicyDocument: SSM_TRUST }),
    );
    expect((await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "R" })))).message).toMatch(
      NONEXISTENT,
    );
    const withPath = await rejection(c.ssm.send(new CreateActivationCommand({ IamRole: "ecs/R" })));
    expect(withPath.message).toMatch(
      /failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
  });
});
