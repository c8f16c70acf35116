import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../flows/register/harness.ts";

let world: World;
/** A ready host needs no key file: the signing key is built into the agent. */
let config: string;
beforeAll(async () => {
  world = await startWorld();
  config = await world.operatorFile("config.yaml", "cluster: edge\n");
});
afterAll(() => world.stop());

describe("check through the CLI", () => {
  it("runs every named check on a ready host and exits 0", async () => {
    const run = await world.agent([
      "check",
      "--config",
      config,
      "--output",
      "json",
      "--install-script-url",
      world.server.url,
    ]);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document.ok).toBe(true);
    expect(document.checks.map((c: { id: string }) => c.id)).toEqual([
      "root",
      "systemd",
      "architecture",
      "distribution",
      "tools",
      "disk",
      "clock-skew",
      "endpoints",
      "proxy",
      "credentials",
      "existing-registration",
      "gpg",
      "signing-key",
      "docker",
    ]);
  });

  it("an unknown --skip name is bad input", async () => {
    const run = await world.agent(["check", "--skip", "bogus"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("bogus");
  });

  it("a failing check exits 1 and names itself with a remediation, while the others still run", async () => {
    rmSync(world.host.path("/run/systemd/system"), { recursive: true, force: true });
    const run = await world.agent([
      "check",
      "--config",
      config,
      "--output",
      "json",
      "--install-script-url",
      world.server.url,
    ]);
    expect(run.code).toBe(1);
    const checks = JSON.parse(run.stdout).checks as { id: string; status: string; remediation?: string }[];
    const systemd = checks.find((c) => c.id === "systemd");
    expect(systemd?.status).toBe("failed");
    expect(systemd?.remediation).toBeTruthy();
    expect(checks.filter((c) => c.status === "ok").length).toBeGreaterThanOrEqual(10);
    const skipped = await world.agent([
      "check",
      "--config",
      config,
      "--skip",
      "systemd",
      "--install-script-url",
      world.server.url,
    ]);
    expect(skipped.code).toBe(0);
  });
});
