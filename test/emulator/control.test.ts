import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CreateClusterCommand } from "@aws-sdk/client-ecs";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateActivationCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, EmulatorControl, EmulatorError, startEmulator } from "./index.ts";
import { clients, rejection, SSM_TRUST } from "./sdk-clients.ts";

let emu: Emulator;
let control: EmulatorControl;
beforeEach(async () => {
  const now = new Date("2025-03-01T12:00:00.000Z");
  emu = await startEmulator({ now: () => now });
  control = new EmulatorControl(`${emu.url}/`);
});
afterEach(() => emu.stop());

describe("control endpoints (typed client over HTTP)", () => {
  it("drives a whole registration from outside the process", async () => {
    const c = clients(emu.url);
    await c.iam.send(
      new CreateRoleCommand({ RoleName: "ECSAnywhereRole", AssumeRolePolicyDocument: SSM_TRUST }),
    );
    await control.setNextActivationCode("FIXEDCODEFIXEDCODE00");
    const a = await c.ssm.send(new CreateActivationCommand({ IamRole: "ECSAnywhereRole" }));
    expect(a.ActivationCode).toBe("FIXEDCODEFIXEDCODE00");
    await c.ecs.send(new CreateClusterCommand({ clusterName: "edge" }));

    const { managedInstanceId } = await control.registerManagedInstance({
      activationId: a.ActivationId ?? "",
      activationCode: "FIXEDCODEFIXEDCODE00",
      region: "us-east-1",
    });
    const { containerInstanceArn } = await control.registerContainerInstance({
      cluster: "edge",
      managedInstanceId,
    });
    const state = await control.state();
    expect(state).toEqual(emu.state);
    expect(state.managedInstances[managedInstanceId]?.activationId).toBe(a.ActivationId);
    expect(state.containerInstances[containerInstanceArn]?.ec2InstanceId).toBe(managedInstanceId);
    expect(state.activations[a.ActivationId ?? ""]?.registrationsCount).toBe(1);

    const e = await rejection(
      control.registerManagedInstance({
        activationId: a.ActivationId ?? "",
        activationCode: "x",
        region: "us-east-1",
      }),
    );
    expect(e).toBeInstanceOf(EmulatorError);
    expect(e).toMatchObject({ code: "InvalidActivation", status: 400 });

    expect((await control.calls()).map((x) => x.action)).toEqual([
      "CreateRole",
      "CreateActivation",
      "CreateCluster",
    ]);
    expect(await control.mutatingCalls()).toHaveLength(3);
    await control.clearCalls();
    expect(await control.calls()).toEqual([]);
  });

  it("injects faults, denies, rate-limits and clears over HTTP", async () => {
    const sts = clients(emu.url).sts;
    await control.inject({ service: "sts", action: "GetCallerIdentity", kind: "throttle", times: 1 });
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe("Throttling");
    await control.inject({ action: "*", kind: "server-error", times: 1 });
    await control.clearFaults();
    await sts.send(new GetCallerIdentityCommand({}));

    await control.deny("ssm:DescribeActivations");
    expect(emu.calls()).toHaveLength(2);
    await control.allow("ssm:DescribeActivations");

    await control.rateLimit("sts", 0, 1);
    await sts.send(new GetCallerIdentityCommand({}));
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe("Throttling");
    await control.clearRateLimits();
    await sts.send(new GetCallerIdentityCommand({}));
    expect(await control.health()).toEqual({ ok: true });

    await expect(control.inject({ action: "*", kind: "reset", times: -1 })).rejects.toMatchObject({
      code: "InvalidFault",
    });
    await expect(control.rateLimit("s3" as "sts", 1, 1)).rejects.toMatchObject({ code: "InvalidInput" });
  });

  it("answers JSON errors for unknown endpoints, wrong methods and bad bodies", async () => {
    const notFound = await fetch(`${emu.url}/__emulator/nope`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("date")).toBeTruthy();
    expect(notFound.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await notFound.json()).toMatchObject({ code: "NotFound" });
    const wrongMethod = await fetch(`${emu.url}/__emulator/calls`, { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    const badJson = await fetch(`${emu.url}/__emulator/deny`, { method: "POST", body: "{" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: "InvalidJson" });
    const missing = await fetch(`${emu.url}/__emulator/ssm/register`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ code: "InvalidInput", message: "activationId must be a string" });
  });
});

describe("main.ts (child process)", () => {
  it("prints its URL as one JSON line, serves the SDK, and exits 0 on SIGTERM", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, "line")) as [string];
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const out = await clients(url).sts.send(new GetCallerIdentityCommand({}));
      expect(out.Account).toBe("123456789012");
      expect(await new EmulatorControl(url).calls()).toHaveLength(1);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
