import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunCommand } from "../../src/adapters/host/exec.ts";
import { gpgMissing, HostFixture } from "./host-fixture.ts";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
});
afterEach(() => host.stop());

describe("the gpg check", () => {
  it("runs `gpg --version` and passes with its version", async () => {
    const calls: string[] = [];
    const run = host.run;
    host.run = (cmd, args, options) => {
      calls.push([cmd, ...args].join(" "));
      return run(cmd, args, options);
    };
    // Only the gpg check: the signing-key check runs gpg too, to read the key.
    expect((await host.check({ skip: ["signing-key"] })).result("gpg")).toMatchObject({
      status: "ok",
      summary: "gpg (GnuPG) 2.4.4",
    });
    expect(calls).toEqual(["gpg --version"]);
  });

  it("fails when gpg is missing, suggesting the pinned-script alternative", async () => {
    host.run = gpgMissing;
    const result = (await host.check()).result("gpg");
    expect(result.status).toBe("failed");
    expect(result.remediation).toMatch(/install gnupg .*--install-script FILE --install-script-sha256 HEX/);
  });

  it("only warns without gpg when the operator pinned the install script by SHA-256", async () => {
    host.run = gpgMissing;
    const run = await host.check({ installScript: "/srv/install.sh", installScriptSha256: "A".repeat(64) });
    expect(run.code).toBe(0);
    expect(run.result("gpg")).toMatchObject({ status: "warn" });
  });

  it("fails when gpg exists but does not work", async () => {
    const broken: RunCommand = async (cmd) => ({
      command: cmd,
      exitCode: 2,
      stdout: "",
      stderr: "gpg: fatal error",
      timedOut: false,
      durationMs: 1,
    });
    host.run = broken;
    expect((await host.check()).result("gpg")).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(/^gpg --version exited with 2/),
    });
  });
});

describe("the docker check", () => {
  /** A dockerd stand-in on a real unix socket under the ROOT. */
  async function fakeDockerd(): Promise<void> {
    await host.mkdir("/var/run");
    const server = http.createServer((req, res) => {
      res.setHeader("Api-Version", "1.45");
      res.end(req.url === "/_ping" ? "OK" : "");
    });
    await new Promise<void>((resolve) => server.listen(host.path("/var/run/docker.sock"), resolve));
    host.onClose(() => new Promise((resolve) => server.close(() => resolve())));
  }

  it("passes when dockerd answers on ROOT/var/run/docker.sock, even without a docker binary", async () => {
    await host.remove("/usr/bin/docker");
    await fakeDockerd();
    const result = (await host.check({ dockerInstallSource: "none" })).result("docker");
    expect(result).toMatchObject({
      status: "ok",
      summary: expect.stringMatching(/^Docker answered on .*\(API 1\.45\)$/),
    });
  });

  it("passes without Docker when the install script will install it", async () => {
    await host.remove("/usr/bin/docker");
    expect((await host.check()).result("docker")).toMatchObject({
      status: "ok",
      summary: "Docker is not installed; the install script will install it (--docker-install-source all)",
    });
  });

  it("finds a docker binary in /usr/local/bin too", async () => {
    await host.remove("/usr/bin/docker");
    await host.write("/usr/local/bin/docker", "#!/bin/sh\n");
    const result = (await host.check({ dockerInstallSource: "none" })).result("docker");
    expect(result).toMatchObject({
      status: "ok",
      summary: expect.stringMatching(/^\/usr\/local\/bin\/docker is installed/),
    });
  });
});
