import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateTestKey, type TestKey } from "../../components/install-script/gpg-keys.ts";
import { INSTALL_SCRIPT_PATH } from "../../fixtures/host.ts";
import { SIGNATURE_PATH } from "../../fixtures/install-server.ts";
import type { CliResult } from "../../support/cli.ts";
import { expectJsonSuccess, failureOf, phaseOf, startWorld, type World, waitFor } from "./harness.ts";
import { pathWithout, processesOfRoot } from "./inspect.ts";

let world: World;
let otherKey: TestKey;
beforeAll(async () => {
  otherKey = await generateTestKey("Someone else");
});
afterAll(() => otherKey.dispose());
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.stop());

/** Exit 1, an error line matching `message`, and no trace of a registration. */
function expectFailed(run: CliResult, message: RegExp): void {
  expect(run.code).toBe(1);
  expect(failureOf(run).error).toMatch(message);
  expect(run.stdout).toBe("");
  expect(world.emu.state.containerInstances).toEqual({});
}

/** Refused before running: the script was never executed, not even saved where it would run from. */
function expectRefused(run: CliResult, message: RegExp): void {
  expectFailed(run, message);
  expect(world.scriptRuns()).toBe(0);
  expect(world.host.exists("/var/lib/ecs-anywhere-agent/ecs-anywhere-install.sh")).toBe(false);
  expect(world.host.systemctlCalls()).toEqual([]);
}

describe("register when the install script fails", () => {
  it("fails with exit 1 and the script's last line when the script exits 1", async () => {
    const run = await world.register([], { FAKE_INSTALL_EXIT: "1" });
    expectFailed(run, /install script failed with exit code 1: Simulated failure/);
    expect(world.scriptRuns()).toBe(1);
    expect(failureOf(run).fix).toMatch(/fix: see \S+\/var\/log\/ecs-anywhere-agent\/install-\S+\.log/);
  });

  it("kills the script's whole process group when it outlives --script-timeout", async () => {
    const started = Date.now();
    const run = await world.register(["--script-timeout", "1s"], { FAKE_INSTALL_SLEEP: "30" });
    expectFailed(run, /did not finish within 1s and was killed/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(world.scriptRuns()).toBe(1);
    // The script's child `sleep 30` shares its process group: it must be gone too, not orphaned (it would
    // live on for 30 s). A few seconds of grace cover the SIGTERM-then-SIGKILL of the group.
    await waitFor(
      "the script's process group to be gone",
      () => (processesOfRoot(world.host.root).length === 0 ? true : undefined),
      5_000,
    );
  });
});

describe("register refuses an install script it cannot verify", () => {
  it("runs nothing when the signature is of other content", async () => {
    world.server.setResponse(SIGNATURE_PATH, { status: 200, body: await world.key.sign("echo other\n") });
    const run = await world.register();
    expectRefused(run, /install script refused \(bad-signature\)/);
  });

  it("runs nothing when the key file's fingerprint is not the one pinned with --insecure-key-fingerprint", async () => {
    // Preflight's signing-key check sees it first, before any activation exists...
    const run = await world.register(["--insecure-key-fingerprint", otherKey.fingerprint]);
    expectRefused(run, /preflight failed: signing-key \(.* is key [0-9A-F]{40}, not the pinned [0-9A-F]{40}/);
    expect(world.emu.mutatingCalls()).toEqual([]);
    // ...and verification refuses it again when that check is skipped.
    const skipped = await world.register([
      "--insecure-key-fingerprint",
      otherKey.fingerprint,
      "--skip",
      "signing-key",
    ]);
    expectRefused(skipped, /install script refused \(fingerprint-mismatch\)/);
  });

  it("runs nothing when the pinned key did not make the signature", async () => {
    const otherKeyFile = await world.operatorFile("other.asc", otherKey.publicKey);
    const run = await world.register([
      "--gpg-key-file",
      otherKeyFile,
      "--insecure-key-fingerprint",
      otherKey.fingerprint,
    ]);
    expectRefused(run, /install script refused \(bad-signature\).*signed by another key/);
  });

  it("runs nothing when --install-script does not match --install-script-sha256", async () => {
    const file = await world.operatorFile("install.sh", await readFile(INSTALL_SCRIPT_PATH, "utf8"));
    const wrong = createHash("sha256").update("something else").digest("hex");
    const run = await world.register(["--install-script", file, "--install-script-sha256", wrong]);
    expectRefused(run, /install script refused \(sha256-mismatch\)/);
  });
});

describe("register with a local install script pinned by SHA-256", () => {
  it("registers on a host without gpg, fetching no signature and no key", async () => {
    const script = await readFile(INSTALL_SCRIPT_PATH, "utf8");
    const file = await world.operatorFile("install.sh", script);
    const sha256 = createHash("sha256").update(script).digest("hex");
    const noGpgPath = pathWithout(world.env.PATH ?? "", ["gpg", "gpgv", "gpg2"], join(world.scratch, "bin"));
    const run = await world.register(
      [
        "--output",
        "json",
        "--install-script",
        file,
        "--install-script-sha256",
        sha256,
        "--gpg-key-file",
        join(world.scratch, "no-such-key.asc"),
      ],
      { PATH: noGpgPath },
    );
    const report = expectJsonSuccess(run);
    expect(report.outcome).toBe("registered");
    expect(world.scriptRuns()).toBe(1);
    const verified = phaseOf(report, "install-script");
    expect(verified.summary).toBe(`verified ${file} (pinned SHA-256 ${sha256})`);
    expect(world.server.requests().filter((request) => /\.asc|\.gpg/.test(request))).toEqual([]);
  });

  it("pins the file's bytes: a script holding bytes that are not UTF-8 matches the sha256sum of the file", async () => {
    const script = Buffer.concat([
      await readFile(INSTALL_SCRIPT_PATH),
      Buffer.from("# Latin-1, not UTF-8: caf\xe9 \xff\xfe\n", "latin1"),
    ]);
    const file = join(world.scratch, "install-latin1.sh");
    await writeFile(file, script, { mode: 0o600 });
    const sha256 = createHash("sha256").update(script).digest("hex"); // what `sha256sum FILE` prints
    const run = await world.register([
      "--output",
      "json",
      "--install-script",
      file,
      "--install-script-sha256",
      sha256,
    ]);
    const report = expectJsonSuccess(run);
    expect(phaseOf(report, "install-script").summary).toBe(`verified ${file} (pinned SHA-256 ${sha256})`);
    expect(world.scriptRuns()).toBe(1);
  });
});
