import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { missingNoProxy } from "../../src/checks/proxy.ts";
import { HostFixture } from "./host-fixture.ts";

const PROXY_PASSWORD = "pr0xy-Passw0rd-9f8e7d";

describe("NO_PROXY matching", () => {
  it("accepts exact hosts, IPv4 CIDR blocks and *", () => {
    const needed = ["169.254.169.254", "169.254.170.2", "/var/run/docker.sock"];
    expect(missingNoProxy("169.254.0.0/16,/var/run/docker.sock", needed)).toEqual([]);
    expect(missingNoProxy("*", needed)).toEqual([]);
    expect(missingNoProxy(" 169.254.170.2 , localhost", needed)).toEqual([
      "169.254.169.254",
      "/var/run/docker.sock",
    ]);
    expect(missingNoProxy("169.254.170.0/30", ["169.254.170.2", "169.254.170.9"])).toEqual(["169.254.170.9"]);
  });
});

describe("the proxy check", () => {
  let host: HostFixture;
  beforeEach(async () => {
    host = await new HostFixture().start();
  });
  afterEach(() => host.stop());

  it("fails when the environment sets a proxy without NO_PROXY, never showing the proxy URL (host:port at most)", async () => {
    host.env.HTTPS_PROXY = `http://user:${PROXY_PASSWORD}@proxy.internal:3128`;
    const run = await host.check({ skip: ["endpoints"] }, "text");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL proxy: the agent's environment sets HTTPS_PROXY but NO_PROXY lacks 169\.254\.169\.254, 169\.254\.170\.2\n {2}fix: add 169\.254\.169\.254,169\.254\.170\.2 to NO_PROXY/m,
    );
    expect(run.stdout + run.stderr).not.toContain(PROXY_PASSWORD);
    // A check that could not get through may name the proxy, as host:port only: never its URL or user.
    const mentions = (run.stdout + run.stderr).match(/\S*proxy\.internal\S*/g) ?? [];
    expect(mentions.filter((mention) => mention !== "proxy.internal:3128")).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain("user:");
  });

  it("passes when NO_PROXY (or no_proxy) covers the metadata addresses", async () => {
    host.env.https_proxy = "http://proxy.internal:3128";
    host.env.no_proxy = "localhost,169.254.0.0/16";
    const result = (await host.check({ skip: ["endpoints"] })).result("proxy");
    expect(result).toMatchObject({
      status: "ok",
      summary: expect.stringMatching(/proxy configured in the agent's environment/),
    });
  });

  it("requires the Docker socket in ecs.config's NO_PROXY, reading both ecs.config files", async () => {
    await host.write("/var/lib/ecs/ecs.config", "HTTP_PROXY=http://proxy.internal:3128\n");
    await host.write("/etc/ecs/ecs.config", "NO_PROXY=169.254.169.254,169.254.170.2\n");
    const result = (await host.check()).result("proxy");
    expect(result).toMatchObject({
      status: "failed",
      summary: "ecs.config sets HTTP_PROXY but NO_PROXY lacks /var/run/docker.sock",
      remediation: "add /var/run/docker.sock to NO_PROXY in /etc/ecs/ecs.config (keep your other entries)",
    });
  });

  it("checks dockerd's proxy drop-in, which awslogs depends on", async () => {
    await host.write(
      "/etc/systemd/system/docker.service.d/http-proxy.conf",
      '[Service]\nEnvironment="HTTPS_PROXY=http://proxy.internal:3128" "NO_PROXY=localhost"\n',
    );
    const result = (await host.check()).result("proxy");
    expect(result.status).toBe("failed");
    expect(result.summary).toMatch(
      /^docker\.service drop-ins sets HTTPS_PROXY but NO_PROXY lacks 169\.254\.169\.254, 169\.254\.170\.2/,
    );
  });
});
