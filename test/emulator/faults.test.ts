import { CreateClusterCommand, DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateActivationCommand,
  DeleteActivationCommand,
  DescribeActivationsCommand,
} from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorError, startEmulator } from "./index.ts";
import { clients, type ErrorInfoSeen, rejection, SSM_TRUST } from "./sdk-clients.ts";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.stop());

const createRole = (c: ReturnType<typeof clients>, name = "R", path = "/") =>
  c.iam.send(new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: SSM_TRUST }));

describe("faults", () => {
  it("throttles N times, then the SDK's retries succeed", async () => {
    const seen: ErrorInfoSeen[] = [];
    const c = clients(emu.url, { maxAttempts: 3, seen });
    emu.inject({ service: "iam", action: "CreateRole", kind: "throttle", times: 2 });
    const out = await createRole(c);
    expect(out.Role?.RoleName).toBe("R");
    expect(out.$metadata.attempts).toBe(3);
    // The SDK itself classified the emulator's answer as throttling.
    expect(seen).toEqual([{ errorType: "THROTTLING" }, { errorType: "THROTTLING" }]);
    expect(emu.calls()).toEqual([
      { service: "iam", action: "CreateRole", mutating: true, status: 400, errorCode: "Throttling" },
      { service: "iam", action: "CreateRole", mutating: true, status: 400, errorCode: "Throttling" },
      { service: "iam", action: "CreateRole", mutating: true, status: 200 },
    ]);
  });

  it("surfaces throttling with each protocol's error name when retries run out", async () => {
    const c = clients(emu.url);
    emu.inject({ action: "*", kind: "throttle", times: 3 });
    expect((await rejection(c.iam.send(new GetRoleCommand({ RoleName: "R" })))).name).toBe("Throttling");
    expect((await rejection(c.ssm.send(new DescribeActivationsCommand({})))).name).toBe(
      "ThrottlingException",
    );
    const ecs = await rejection(c.ecs.send(new DescribeClustersCommand({})));
    expect(ecs.name).toBe("ThrottlingException");
    expect(ecs.message).toBe("Rate exceeded");
    // Used up: the next call goes through.
    await c.ecs.send(new DescribeClustersCommand({}));
  });

  it("answers 500 with each service's server error, retried by the SDK as transient", async () => {
    const c = clients(emu.url);
    emu.inject({ action: "*", kind: "server-error", times: 4 });
    const names = [
      (await rejection(c.iam.send(new GetRoleCommand({ RoleName: "R" })))).name,
      (await rejection(c.sts.send(new GetCallerIdentityCommand({})))).name,
      (await rejection(c.ssm.send(new DescribeActivationsCommand({})))).name,
      (await rejection(c.ecs.send(new DescribeClustersCommand({})))).name,
    ];
    expect(names).toEqual([
      "ServiceFailureException",
      "InternalFailure",
      "InternalServerError",
      "ServerException",
    ]);
    expect(emu.calls().every((x) => x.status === 500)).toBe(true);

    const seen: ErrorInfoSeen[] = [];
    emu.inject({ service: "sts", action: "GetCallerIdentity", kind: "server-error", times: 1 });
    await clients(emu.url, { maxAttempts: 2, seen }).sts.send(new GetCallerIdentityCommand({}));
    expect(seen).toEqual([{ errorType: "TRANSIENT" }]);
  });

  it("resets the connection without an answer; the SDK retries", async () => {
    emu.inject({ action: "sts:GetCallerIdentity", kind: "reset", times: 1 });
    const out = await clients(emu.url, { maxAttempts: 2 }).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe("123456789012");
    expect(emu.calls().map((x) => [x.status, x.errorCode])).toEqual([
      [0, "ConnectionReset"],
      [200, undefined],
    ]);
    emu.inject({ action: "*", kind: "reset", times: 1 });
    const e = await rejection(clients(emu.url).sts.send(new GetCallerIdentityCommand({})));
    expect(String((e as { code?: unknown }).code ?? e.message)).toMatch(/ECONNRESET|socket hang up/);
  });

  it("delays answers by latencyMs", async () => {
    const c = clients(emu.url);
    emu.inject({ service: "sts", action: "*", kind: "latency", times: 1, latencyMs: 40 });
    const t0 = performance.now();
    await c.sts.send(new GetCallerIdentityCommand({}));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    const t1 = performance.now();
    await c.sts.send(new GetCallerIdentityCommand({}));
    expect(performance.now() - t1).toBeLessThan(35);
    // The call log says which answer was held back.
    expect(emu.calls().map((call) => call.delayedMs)).toEqual([40, undefined]);
  });

  it("only hits matching calls, and can be cleared", async () => {
    const c = clients(emu.url);
    emu.inject({ service: "iam", action: "AttachRolePolicy", kind: "throttle", times: 5 });
    emu.inject({ service: "ssm", action: "*", kind: "throttle", times: 5 });
    await createRole(c);
    await c.sts.send(new GetCallerIdentityCommand({}));
    emu.clearFaults();
    await c.iam.send(
      new AttachRolePolicyCommand({
        RoleName: "R",
        PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      }),
    );
    await c.ssm.send(new DescribeActivationsCommand({}));
    expect(emu.calls().filter((x) => x.errorCode !== undefined)).toEqual([]);
  });

  it("validates faults", () => {
    expect(() => emu.inject({ action: "*", kind: "throttle", times: 0 })).toThrow(EmulatorError);
    expect(() => emu.inject({ action: "*", kind: "latency", times: 1 })).toThrow(/latencyMs/);
    expect(() => emu.inject({ action: "*", kind: "boom" as "reset", times: 1 })).toThrow(/kind/);
  });
});

describe("rate limits", () => {
  it("throttles a service past its token bucket, leaving the others alone", async () => {
    const c = clients(emu.url);
    emu.rateLimit("ecs", 0, 2);
    await c.ecs.send(new DescribeClustersCommand({}));
    await c.ecs.send(new DescribeClustersCommand({}));
    expect((await rejection(c.ecs.send(new DescribeClustersCommand({})))).name).toBe("ThrottlingException");
    await c.sts.send(new GetCallerIdentityCommand({}));
    emu.clearRateLimits();
    await c.ecs.send(new DescribeClustersCommand({}));
  });

  it("refills at perSecond", async () => {
    const c = clients(emu.url);
    emu.rateLimit("sts", 200, 1);
    await c.sts.send(new GetCallerIdentityCommand({}));
    await new Promise((r) => setTimeout(r, 10));
    await c.sts.send(new GetCallerIdentityCommand({}));
    expect(emu.calls().map((x) => x.status)).toEqual([200, 200]);
  });
});

describe("deny list", () => {
  it("answers AccessDenied with the AWS message naming the targeted ARN", async () => {
    const c = clients(emu.url);
    emu.deny("iam:CreateRole");
    const e = await rejection(createRole(c, "ECSAnywhereRole", "/ecs/"));
    expect(e.name).toBe("AccessDenied");
    expect(e.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(e.message).toBe(
      "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/ecs/ECSAnywhereRole because no identity-based policy allows the iam:CreateRole action",
    );
    expect(emu.calls()).toEqual([
      { service: "iam", action: "CreateRole", mutating: true, status: 403, errorCode: "AccessDenied" },
    ]);
    emu.allow("iam:CreateRole");
    await createRole(c, "ECSAnywhereRole", "/ecs/");
  });

  it("denies JSON services with AccessDeniedException, whole services with service:*, never GetCallerIdentity", async () => {
    const c = clients(emu.url, { region: "eu-central-1" });
    emu.deny("ecs:*");
    emu.deny("sts:GetCallerIdentity");
    const e = await rejection(c.ecs.send(new CreateClusterCommand({ clusterName: "edge" })));
    expect(e.name).toBe("AccessDeniedException");
    expect(e.message).toBe(
      "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: ecs:CreateCluster on resource: arn:aws:ecs:eu-central-1:123456789012:cluster/edge because no identity-based policy allows the ecs:CreateCluster action",
    );
    // AWS never denies GetCallerIdentity.
    await c.sts.send(new GetCallerIdentityCommand({}));

    await createRole(c);
    const { ActivationId } = await c.ssm.send(new CreateActivationCommand({ IamRole: "R" }));
    emu.deny("SSM:deleteactivation");
    const d = await rejection(c.ssm.send(new DeleteActivationCommand({ ActivationId })));
    expect(d.message).toContain(
      `ssm:DeleteActivation on resource: arn:aws:ssm:eu-central-1:123456789012:activation/${ActivationId}`,
    );
    expect(() => emu.deny("CreateRole")).toThrow(EmulatorError);
  });
});

describe("call log", () => {
  it("records every call with its mutating flag, and clears", async () => {
    const c = clients(emu.url);
    await c.sts.send(new GetCallerIdentityCommand({}));
    await createRole(c);
    await rejection(createRole(c));
    await c.iam.send(new GetRoleCommand({ RoleName: "R" }));
    await c.ssm.send(new CreateActivationCommand({ IamRole: "R" }));
    await c.ssm.send(new DescribeActivationsCommand({}));
    await c.ecs.send(new CreateClusterCommand({ clusterName: "x" }));
    await c.ecs.send(new DescribeClustersCommand({ clusters: ["x"] }));
    expect(emu.calls()).toEqual([
      { service: "sts", action: "GetCallerIdentity", mutating: false, status: 200 },
      { service: "iam", action: "CreateRole", mutating: true, status: 200 },
      { service: "iam", action: "CreateRole", mutating: true, status: 409, errorCode: "EntityAlreadyExists" },
      { service: "iam", action: "GetRole", mutating: false, status: 200 },
      { service: "ssm", action: "CreateActivation", mutating: true, status: 200 },
      { service: "ssm", action: "DescribeActivations", mutating: false, status: 200 },
      { service: "ecs", action: "CreateCluster", mutating: true, status: 200 },
      { service: "ecs", action: "DescribeClusters", mutating: false, status: 200 },
    ]);
    expect(emu.mutatingCalls().map((x) => `${x.service}:${x.action}`)).toEqual([
      "iam:CreateRole",
      "iam:CreateRole",
      "ssm:CreateActivation",
      "ecs:CreateCluster",
    ]);
    // Copies: callers cannot rewrite the log.
    const calls = emu.calls();
    calls.length = 0;
    expect(emu.calls()).toHaveLength(8);
    emu.clearCalls();
    expect(emu.calls()).toEqual([]);
  });
});
