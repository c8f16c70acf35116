import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import type { AwsPorts } from "../../../src/adapters/aws/ports.ts";
import { type AgentMetadata, IntrospectionClient } from "../../../src/adapters/host/introspection.ts";
import type { Systemd } from "../../../src/adapters/host/systemd.ts";
import { verifyControlPlane, waitForRegistration } from "../../../src/components/ecs-agent/registration.ts";
import { OperationError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator } from "../../emulator/types.ts";
import { cli, emulatorEnv, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";

/** An introspection API that answers from a script of metadata, repeating the last answer; counts the polls. */
class ScriptedIntrospection extends IntrospectionClient {
  polls = 0;
  constructor(private readonly answers: AgentMetadata[]) {
    super("http://127.0.0.1:9");
  }
  override async metadata(): Promise<AgentMetadata> {
    const answer = this.answers[Math.min(this.polls, this.answers.length - 1)] as AgentMetadata;
    this.polls += 1;
    return answer;
  }
}

function fakeSystemd(ecsActive: boolean): Systemd {
  const refuse = async () => {
    throw new Error("verification must not change units");
  };
  return {
    isActive: async (unit) => unit === "ecs" && ecsActive,
    isEnabled: async () => true,
    enable: refuse,
    disable: refuse,
    start: refuse,
    restart: refuse,
    stop: refuse,
    daemonReload: refuse,
    isLoaded: async () => false,
    states: refuse,
  };
}

const registeredTo = (cluster: string): AgentMetadata => ({
  state: "ok",
  cluster: `arn:aws:ecs:eu-west-1:123456789012:cluster/${cluster}`,
  containerInstanceArn: ARN.replace("/edge/", `/${cluster}/`),
  version: "Amazon ECS Agent - v1.89.0",
});
const unreachable: AgentMetadata = { state: "unreachable", error: "connection refused" };
const notRegisteredYet: AgentMetadata = {
  state: "ok",
  cluster: "edge",
  containerInstanceArn: null,
  version: "Amazon ECS Agent - v1.89.0",
};

async function failureOf(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

describe("waitForRegistration (the local truth: introspection)", () => {
  it("returns the ARN once the agent registers to the expected cluster, polling on the clock", async () => {
    const clock = fakeClock();
    const introspection = new ScriptedIntrospection([unreachable, notRegisteredYet, registeredTo("edge")]);
    const arn = await waitForRegistration("edge", {
      introspection,
      systemd: fakeSystemd(true),
      clock,
      timeoutMs: 60_000,
    });
    expect(arn).toBe(ARN);
    expect(introspection.polls).toBe(3);
  });

  it("says what it waits for every few seconds, with the elapsed time", async () => {
    const lines: string[] = [];
    await waitForRegistration("edge", {
      introspection: new ScriptedIntrospection([
        unreachable,
        unreachable,
        notRegisteredYet,
        registeredTo("edge"),
      ]),
      systemd: fakeSystemd(true),
      clock: fakeClock(),
      timeoutMs: 60_000,
      progress: (line) => lines.push(line),
    });
    // Polls at 0, 1, 3 and 7 s: silent for the first 2 s, then at most one line per 2 s.
    expect(lines).toEqual([
      "[verify] waiting for the ECS agent to register to cluster edge: the ECS agent is running but has no container instance ARN: it has not registered yet (elapsed 3s)",
    ]);
  });

  it("fails at once when the agent is registered to ANOTHER cluster, naming both and --move", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const introspection = new ScriptedIntrospection([registeredTo("other")]);
    const error = await failureOf(
      waitForRegistration("edge", { introspection, systemd: fakeSystemd(true), clock, timeoutMs: 300_000 }),
    );
    expect(error.message).toBe("the ECS agent is registered to cluster other, not edge");
    expect(error.remediation).toMatch(/--move/);
    // No point waiting: it never polled again and the clock did not move.
    expect(introspection.polls).toBe(1);
    expect(clock.now().getTime()).toBe(start);
  });

  it("says the ecs service is not running when the agent never answers and ecs is inactive", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const introspection = new ScriptedIntrospection([unreachable]);
    const error = await failureOf(
      waitForRegistration("edge", { introspection, systemd: fakeSystemd(false), clock, timeoutMs: 120_000 }),
    );
    expect(error.message).toMatch(/introspection API is unreachable \(connection refused\)/);
    expect(error.message).toMatch(/; the ecs service is not running$/);
    expect(error.remediation).toMatch(/systemctl status ecs/);
    expect(error.remediation).toMatch(/exit code 5/);
    // It waited the whole timeout (fake time), with backoff: 1+2+4+8+10*... s.
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(120_000);
    expect(introspection.polls).toBeGreaterThan(3);
    expect(introspection.polls).toBeLessThan(20);
  });

  it("points at the agent's log when ecs runs but the agent never registers", async () => {
    const introspection = new ScriptedIntrospection([notRegisteredYet]);
    const error = await failureOf(
      waitForRegistration("edge", {
        introspection,
        systemd: fakeSystemd(true),
        clock: fakeClock(),
        timeoutMs: 30_000,
      }),
    );
    expect(error.message).toBe(
      "timed out after 30s: the ECS agent is running but has no container instance ARN: it has not registered yet",
    );
    expect(error.message).not.toMatch(/not running/);
    expect(error.remediation).toMatch(/ecs-agent\.log/);
  });
});

describe("verifyControlPlane (the remote truth) with the real ECS port against the emulator", () => {
  let emu: Emulator;
  let aws: AwsPorts;
  let managedInstanceId: string;
  let arn: string;
  beforeAll(async () => {
    emu = await startEmulator();
    const env = emulatorEnv(emu.url);
    const setup = await cli(["setup", "--cluster", "edge"], env);
    if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
    aws = await createAwsPorts({ region: "eu-west-1", env, redactor: new Redactor(), maxAttempts: 1 });
    const activation = await aws.ssm.createActivation({
      iamRoleName: "ECSAnywhereRole",
      registrationLimit: 1,
      expiresAt: new Date(Date.now() + 30 * 60_000),
      tags: {},
    });
    managedInstanceId = emu.registerManagedInstance({ ...activation, region: "eu-west-1" }).managedInstanceId;
    arn = emu.registerContainerInstance({ cluster: "edge", managedInstanceId }).containerInstanceArn;
  });
  afterAll(() => emu.stop());

  // In this order: each case changes the instance for the next.
  it("passes for an ACTIVE instance whose agent is connected", async () => {
    await expect(verifyControlPlane(aws.ecs, "edge", arn, oneLook())).resolves.toBeUndefined();
  });

  it("fails for an instance ECS does not know", async () => {
    const unknown = arn.replace(/[0-9a-f]{32}$/, "f".repeat(32));
    const error = await failureOf(verifyControlPlane(aws.ecs, "edge", unknown, oneLook()));
    expect(error.message).toBe(`ECS does not know container instance ${unknown} in cluster edge`);
    expect(error.remediation).toMatch(/deregistered/);
  });

  it("fails for a DRAINING instance (set with UpdateContainerInstancesState)", async () => {
    await aws.ecs.setContainerInstanceDraining("edge", arn);
    expect(emu.calls().at(-1)).toMatchObject({ action: "UpdateContainerInstancesState", status: 200 });
    expect(emu.state.containerInstances[arn]?.status).toBe("DRAINING");
    const error = await failureOf(verifyControlPlane(aws.ecs, "edge", arn, oneLook()));
    expect(error.message).toBe(`container instance ${arn} is DRAINING, not ACTIVE`);
    expect(error.remediation).toMatch(/update-container-instances-state/);
  });

  it("fails when the agent is not connected (its SSM node is gone)", async () => {
    // ACTIVE again, but ECS sees no agent once the managed instance is deregistered.
    await setActive(emu, arn);
    await aws.ssm.deregisterManagedInstance(managedInstanceId);
    expect(emu.state.containerInstances[arn]).toMatchObject({ status: "ACTIVE", agentConnected: false });
    const clock = fakeClock();
    const error = await failureOf(verifyControlPlane(aws.ecs, "edge", arn, { clock, timeoutMs: 90_000 }));
    // It polled the whole timeout on the fake clock, and says after how long it gave up.
    expect(error.message).toBe(
      `the ECS agent of ${arn} is not connected to the control plane (still not after 1m30s)`,
    );
    expect(error.remediation).toMatch(/outbound HTTPS/);
    expect(error.remediation).toMatch(/--verify-timeout/);
  });
});

describe("verifyControlPlane waits for the agent's control-plane session (field notes §8.2)", () => {
  let emu: Emulator;
  let aws: AwsPorts;
  let arn: string;
  const clock = fakeClock();
  beforeAll(async () => {
    // The emulator runs on the same fake clock: the agent connects 45 s after it registers.
    emu = await startEmulator({ now: () => clock.now(), agentConnectDelayMs: 45_000 });
    const env = emulatorEnv(emu.url);
    const setup = await cli(["setup", "--cluster", "edge"], env, { clock });
    if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
    aws = await createAwsPorts({ region: "eu-west-1", env, redactor: new Redactor(), maxAttempts: 1 });
    const activation = await aws.ssm.createActivation({
      iamRoleName: "ECSAnywhereRole",
      registrationLimit: 2,
      expiresAt: new Date(clock.now().getTime() + 30 * 60_000),
      tags: {},
    });
    const managedInstanceId = emu.registerManagedInstance({
      ...activation,
      region: "eu-west-1",
    }).managedInstanceId;
    arn = emu.registerContainerInstance({ cluster: "edge", managedInstanceId }).containerInstanceArn;
  });
  afterAll(() => emu.stop());

  it("times out when the agent has not connected within the time left, saying after how long", async () => {
    const start = clock.now().getTime();
    const error = await failureOf(verifyControlPlane(aws.ecs, "edge", arn, { clock, timeoutMs: 10_000 }));
    expect(error.message).toMatch(/is not connected to the control plane \(still not after 10s\)$/);
    expect(clock.now().getTime() - start).toBe(10_000);
  });

  it("polls agentConnected until the agent connects, printing progress", async () => {
    const lines: string[] = [];
    const start = clock.now().getTime();
    await verifyControlPlane(aws.ecs, "edge", arn, {
      clock,
      timeoutMs: 300_000,
      progress: (line) => lines.push(line),
    });
    expect(emu.state.containerInstances[arn]?.agentConnected).toBe(true);
    // 10 s had passed; 1+2+4+8+10+10 s more of backoff reach the 45 s.
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(35_000);
    expect(clock.now().getTime() - start).toBeLessThan(60_000);
    expect(lines[0]).toMatch(
      /^\[verify\] waiting for the ECS agent to connect to the control plane \(elapsed 0s\)$/,
    );
  });
});

/** One DescribeContainerInstances: the agent must already be connected. */
function oneLook() {
  return { clock: fakeClock(), timeoutMs: 0 };
}

/** The ECS port only drains; ACTIVE again goes through the SDK directly (what `aws ecs update-...` does). */
async function setActive(emu: Emulator, arn: string): Promise<void> {
  const { ECSClient, UpdateContainerInstancesStateCommand } = await import("@aws-sdk/client-ecs");
  const client = new ECSClient({
    region: "eu-west-1",
    endpoint: emu.url,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
  });
  await client.send(
    new UpdateContainerInstancesStateCommand({
      cluster: "edge",
      containerInstances: [arn],
      status: "ACTIVE",
    }),
  );
  client.destroy();
}
