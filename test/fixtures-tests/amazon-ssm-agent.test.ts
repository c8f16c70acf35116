import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../src/adapters/host/fs.ts";
import { observeSsmAgent } from "../../src/components/ssm-agent/registration.ts";
import { REGION, type Scenario, scenario } from "./support.ts";

let s: Scenario;

beforeEach(async () => {
  s = await scenario();
});
afterEach(() => s.stop());

const register = (...extra: string[]) =>
  s.host.run("amazon-ssm-agent", [
    "-register",
    "-code",
    s.activationCode,
    "-id",
    s.activationId,
    "-region",
    REGION,
    ...extra,
  ]);

describe("fake amazon-ssm-agent", () => {
  it("-register writes RegistrationKey and registration, never printing or logging the code", async () => {
    const r = await register();
    expect(r.code).toBe(0);
    const [mi] = Object.keys(s.emulator.state.managedInstances);
    expect(r.stdout).toBe(
      `Successfully registered the instance with AWS SSM using Managed instance-id: ${mi}\n`,
    );
    expect(JSON.parse(s.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey")).instanceID).toBe(
      mi,
    );
    expect(JSON.parse(s.host.readFile("/var/lib/amazon/ssm/registration"))).toEqual({
      ManagedInstanceID: mi,
      Region: REGION,
    });
    expect(s.host.ssmAgentCalls().join("\n")).not.toContain(s.activationCode);
  });

  it("refuses to override a registration without -y, overrides with it", async () => {
    expect((await register()).code).toBe(0);
    const again = await register();
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("Pass -y to override");
    expect(Object.keys(s.emulator.state.managedInstances)).toHaveLength(1);
    expect((await register("-y")).code).toBe(0);
    expect(Object.keys(s.emulator.state.managedInstances)).toHaveLength(2);
  });

  it("a rejected activation: exit 1, the error code on stdout, no files", async () => {
    const r = await s.host.run("amazon-ssm-agent", [
      "-register",
      "-code=NotTheCodeNotTheCode",
      "-id",
      s.activationId,
      "-region",
      REGION,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("InvalidActivation: The activation ID or activation code is not valid.");
    expect(r.stdout + r.stderr).not.toContain("NotTheCodeNotTheCode");
    expect(s.host.exists("/var/lib/amazon/ssm/registration")).toBe(false);
    const unknownId = await s.host.run("amazon-ssm-agent", [
      "-register",
      "-code",
      s.activationCode,
      "-id",
      "00000000-0000-0000-0000-000000000000",
      "-region",
      REGION,
    ]);
    expect(unknownId.stdout).toContain("InvalidActivationId");
  });

  it("-register -clear empties RegistrationKey's fields (the file stays) and keeps /var/lib/amazon/ssm/registration (field notes §8.6)", async () => {
    await register();
    const r = await s.host.run("amazon-ssm-agent", ["-register", "-clear"]);
    expect(r.code).toBe(0);
    const key = JSON.parse(s.host.readFile("/var/lib/amazon/ssm/Vault/Store/RegistrationKey"));
    expect(key).toMatchObject({ instanceID: "", region: "", privateKey: "" });
    expect(s.host.exists("/var/lib/amazon/ssm/registration")).toBe(true);
    // The agent's own observation reads such a key as "not registered".
    expect(await observeSsmAgent(new HostFs(s.host.root))).toMatchObject({ registered: false });
  });

  it("rejects unknown flags like Go's flag package (exit 2)", async () => {
    const r = await s.host.run("amazon-ssm-agent", ["-register", "-bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("flag provided but not defined: -bogus");
  });
});
