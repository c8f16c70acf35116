import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPortUrl, HostFixture } from "./host-fixture.ts";

// check reads what it checks from the resolved config, like register does: an operator who keeps the script
// on a mirror, or installs Docker himself, says so once in the config file.
describe("check takes its inputs from the config file", () => {
  let host: HostFixture;
  beforeEach(async () => {
    host = await new HostFixture().start();
  });
  afterEach(() => host.stop());

  it("probes host.installScript.url, not the default URL", async () => {
    const closed = await closedPortUrl();
    await host.configure(`host:\n  installScript:\n    url: ${closed}/mirror/install.sh\n`);
    const failing = (await host.check({ installScriptUrl: undefined })).result("endpoints");
    expect(failing.status).toBe("failed");
    expect(failing.summary).toContain(`install-script (${closed}`);

    await host.configure(`host:\n  installScript:\n    url: ${host.installScriptUrl}\n`);
    expect((await host.check({ installScriptUrl: undefined })).result("endpoints").status).toBe("ok");
  });

  it("the --install-script-url flag still wins over the file", async () => {
    await host.configure(`host:\n  installScript:\n    url: ${await closedPortUrl()}/install.sh\n`);
    expect((await host.check()).result("endpoints").status).toBe("ok");
  });

  it("judges Docker by host.dockerInstallSource", async () => {
    await host.remove("/usr/bin/docker");
    expect((await host.check()).result("docker").status).toBe("ok");
    await host.configure("host:\n  dockerInstallSource: none\n");
    expect((await host.check()).result("docker")).toMatchObject({
      status: "failed",
      summary: expect.stringContaining("--docker-install-source is none"),
    });
  });
});
