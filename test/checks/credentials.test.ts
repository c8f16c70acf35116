import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFixture } from "./host-fixture.ts";

const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY";
const ACCESS_KEY = "AKIAPLANTED123456789";
const SESSION_TOKEN = "FwoGZXIvYXdzEPLANTEDsessionTOKEN0123456789";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
});
afterEach(() => host.stop());

describe("the credentials check", () => {
  it("fails on credentials in the ECS service's environment and never prints (or masks) their values", async () => {
    await host.write(
      "/etc/systemd/system/ecs.service.d/10-keys.conf",
      `[Service]\nEnvironment="AWS_ACCESS_KEY_ID=${ACCESS_KEY}" AWS_SECRET_ACCESS_KEY=${SECRET_KEY}\nEnvironmentFile=-/etc/ecs/extra.env\n`,
    );
    await host.write("/etc/ecs/extra.env", `AWS_SESSION_TOKEN="${SESSION_TOKEN}"\n`);
    await host.write("/etc/environment", `PATH=/usr/bin\nAWS_SECRET_ACCESS_KEY=${SECRET_KEY}\n`);
    await host.write("/etc/ecs/ecs.config", `ECS_CLUSTER=edge\nAWS_SECRET_ACCESS_KEY=${SECRET_KEY}\n`);

    const text = await host.check({}, "text");
    const json = await host.check({}, "json");
    for (const run of [text, json]) {
      const everything = run.stdout + run.stderr;
      for (const secret of [SECRET_KEY, ACCESS_KEY, SESSION_TOKEN]) expect(everything).not.toContain(secret);
      expect(everything).not.toContain("****"); // not even masked: values are never put in a message
      expect(run.code).toBe(1);
    }
    const result = json.result("credentials");
    expect(result.status).toBe("failed");
    expect(result.summary).toContain(
      "the ECS service's environment sets AWS_ACCESS_KEY_ID (in /etc/systemd/system/ecs.service.d/10-keys.conf)",
    );
    expect(result.summary).toContain("AWS_SESSION_TOKEN (in /etc/ecs/extra.env)");
    expect(result.summary).toContain("AWS_SECRET_ACCESS_KEY (in /etc/ecs/ecs.config)");
    expect(result.summary).toContain("/etc/environment sets AWS_SECRET_ACCESS_KEY");
    expect(result.remediation).toMatch(/systemctl daemon-reload && systemctl restart ecs/);
  });

  it("honours an empty Environment= line, which resets what earlier drop-ins set", async () => {
    await host.write(
      "/etc/systemd/system/ecs.service.d/10-keys.conf",
      "[Service]\nEnvironment=AWS_PROFILE=ops\n",
    );
    await host.write("/etc/systemd/system/ecs.service.d/20-reset.conf", "[Service]\nEnvironment=\n");
    expect((await host.check()).result("credentials").status).toBe("ok");
  });

  it("warns on profiles SSM did not write in /root/.aws/credentials", async () => {
    await host.write("/var/lib/amazon/ssm/registration", '{"ManagedInstanceID":"mi-0123456789abcdef0"}');
    await host.write(
      "/root/.aws/credentials",
      `[default]\naws_access_key_id = ${ACCESS_KEY}\n[backup-admin]\naws_secret_access_key = ${SECRET_KEY}\n`,
    );
    const run = await host.check();
    expect(run.code).toBe(0);
    expect(run.result("credentials")).toMatchObject({
      status: "warn",
      summary: "/root/.aws/credentials holds profiles SSM did not write: [backup-admin]",
    });
    expect(run.stdout).not.toContain(SECRET_KEY);
  });

  it("warns that SSM will overwrite a [default] profile on a host it has not registered yet", async () => {
    await host.write("/root/.aws/credentials", `[default]\naws_access_key_id = ${ACCESS_KEY}\n`);
    const result = (await host.check()).result("credentials");
    expect(result.status).toBe("warn");
    expect(result.summary).toMatch(/already has a \[default\] profile, but SSM has not registered this host/);
  });

  it("passes when only SSM's [default] profile exists on a registered host", async () => {
    await host.write("/var/lib/amazon/ssm/Vault/Store/RegistrationKey", "{}");
    await host.write("/root/.aws/credentials", `[default]\naws_access_key_id = ${ACCESS_KEY}\n`);
    expect((await host.check()).result("credentials").status).toBe("ok");
  });
});
