import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER, phaseOf, startWorld, type World } from "./harness.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

describe("register takes the install script source from the config file", () => {
  it("preflight probes host.installScript.url and the script comes from there (an air-gapped mirror)", async () => {
    const config = await world.operatorFile(
      "config.yaml",
      `host:\n  installScript:\n    url: ${world.server.url}\n    fingerprint: ${world.key.fingerprint}\n`,
    );
    const run = await world.agent([
      "register",
      "--cluster",
      CLUSTER,
      "--config",
      config,
      "--gpg-key-file",
      world.keyFile,
      "--output",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    // The only warning: the test's own signing key, trusted through the config file.
    expect(run.stderr.trim()).toMatch(
      /^WARNING: host\.installScript\.fingerprint: trusting signing key [0-9A-F]{40}/,
    );
    const report = JSON.parse(run.stdout);
    expect(phaseOf(report, "preflight").status).toBe("ok");
    expect(phaseOf(report, "install-script").summary).toContain(world.server.url);
    expect(world.scriptRuns()).toBe(1);
  });
});
