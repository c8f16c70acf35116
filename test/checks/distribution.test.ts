import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseOsRelease } from "../../src/checks/distribution.ts";
import { HostFixture } from "./host-fixture.ts";

const RHEL = 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\n';
const ROCKY = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n';

describe("parseOsRelease", () => {
  it("reads shell-quoted values as os-release(5) defines them", () => {
    const fields = parseOsRelease(
      'ID=ubuntu\nNAME="Ubuntu \\"LTS\\""\nVERSION_ID=\'22.04\'\n# comment\nbogus line\n',
    );
    expect(Object.fromEntries(fields)).toEqual({ ID: "ubuntu", NAME: 'Ubuntu "LTS"', VERSION_ID: "22.04" });
  });
});

describe("the distribution check", () => {
  let host: HostFixture;
  beforeEach(async () => {
    host = await new HostFixture().start();
  });
  afterEach(() => host.stop());

  const distribution = async (options: Record<string, unknown> = {}) =>
    (await host.check(options)).result("distribution");

  it("passes a supported distribution, naming it", async () => {
    await host.write("/etc/os-release", 'ID=amzn\nVERSION_ID="2023"\n');
    expect(await distribution()).toMatchObject({ status: "ok", summary: "amzn 2023" });
  });

  it("passes openSUSE Tumbleweed, which AWS lists for ECS Anywhere", async () => {
    await host.write(
      "/etc/os-release",
      'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20251120"\n',
    );
    expect(await distribution()).toMatchObject({ status: "ok", summary: "opensuse-tumbleweed 20251120" });
  });

  it("fails RHEL without Docker: --docker-install-source none needs Docker preinstalled", async () => {
    await host.write("/etc/os-release", RHEL);
    await host.remove("/usr/bin/docker");
    const result = await distribution();
    expect(result.status).toBe("failed");
    expect(result.summary).toBe("rhel 9.3: the install script does not install Docker on RHEL");
    expect(result.remediation).toMatch(
      /install Docker yourself .*--docker-install-source none, which needs Docker preinstalled/,
    );
    const none = await distribution({ dockerInstallSource: "none" });
    expect(none).toMatchObject({
      status: "failed",
      summary: "rhel 9.3 has no Docker, and RHEL needs it preinstalled",
    });
  });

  it("fails RHEL with Docker unless --docker-install-source none, and passes with it", async () => {
    await host.write("/etc/os-release", RHEL);
    expect(await distribution()).toMatchObject({
      status: "failed",
      remediation: "Docker is installed: run with --docker-install-source none",
    });
    expect(await distribution({ dockerInstallSource: "none" })).toMatchObject({
      status: "ok",
      summary: "rhel 9.3",
    });
  });

  it("warns on Rocky Linux without Docker: the install script has no Docker repository for it", async () => {
    await host.write("/etc/os-release", ROCKY);
    await host.remove("/usr/bin/docker");
    const result = await distribution();
    expect(result.status).toBe("warn");
    expect(result.remediation).toMatch(/--docker-install-source none, which needs Docker preinstalled/);
  });

  it("fails --docker-install-source distro on Fedora without Docker, as the install script would", async () => {
    await host.write("/etc/os-release", "ID=fedora\nVERSION_ID=40\n");
    await host.remove("/usr/bin/docker");
    expect((await distribution({ dockerInstallSource: "distro" })).status).toBe("failed");
    expect((await distribution({ dockerInstallSource: "docker" })).status).toBe("ok");
  });

  it("warns on an unsupported distribution that is like a supported one", async () => {
    await host.write("/etc/os-release", 'ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID=21.3\n');
    expect(await distribution()).toMatchObject({
      status: "warn",
      summary: "linuxmint 21.3 is not a supported distribution, though it is like ubuntu, debian",
    });
  });

  it("fails when /etc/os-release is missing", async () => {
    await host.remove("/etc/os-release");
    expect(await distribution()).toMatchObject({ status: "failed", summary: "cannot read /etc/os-release" });
  });
});
