import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SIGNATURE_PATH } from "../../fixtures/install-server.ts";
import { failureOf, startWorld, type World } from "./harness.ts";

const SKIP_WARNING =
  "WARNING: --insecure-skip-verify: the install script will run WITHOUT signature verification";

let world: World;
beforeEach(async () => {
  world = await startWorld();
  // The server's signature is a real one, by the trusted key, but of OTHER content: verification must fail.
  world.server.setResponse(SIGNATURE_PATH, { status: 200, body: await world.key.sign("echo other\n") });
});
afterEach(() => world.stop());

const warningLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("WARNING: "));

describe("register --insecure-skip-verify with a wrong signature on the server", () => {
  it("without the flag refuses: exit 1, the script never runs", async () => {
    const run = await world.register();
    expect(run.code).toBe(1);
    expect(failureOf(run).error).toMatch(/install script refused \(bad-signature\)/);
    expect(world.scriptRuns()).toBe(0);
    expect(run.stderr).not.toContain("--insecure-skip-verify:");
  });

  it("with the flag runs the script once and warns on stderr (text mode)", async () => {
    const run = await world.register(["--insecure-skip-verify"]);
    expect(run.code).toBe(0);
    expect(world.scriptRuns()).toBe(1);
    expect(warningLines(run.stderr)).toContain(SKIP_WARNING);
    expect(run.stdout).toMatch(/^Registered: /);
    expect(run.stdout).toContain("NOT VERIFIED: --insecure-skip-verify");
    // No signature was even fetched.
    expect(world.server.requests().filter((request) => request.endsWith(".asc"))).toEqual([]);
  });

  it("with the flag and --output json warns on stderr too, and lists it in the report's warnings", async () => {
    const run = await world.register(["--insecure-skip-verify", "--output", "json"]);
    expect(run.code).toBe(0);
    expect(world.scriptRuns()).toBe(1);
    // JSON mode silences progress, never a security warning.
    expect(warningLines(run.stderr)).toContain(SKIP_WARNING);
    const report = JSON.parse(run.stdout);
    expect(report.outcome).toBe("registered");
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--insecure-skip-verify: .*WITHOUT signature verification/),
      ]),
    );
    expect(run.stdout).not.toMatch(/^WARNING/m);
  });
});
