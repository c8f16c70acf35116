import { describe, expect, it } from "vitest";
import { run } from "../../../src/adapters/host/exec.ts";
import { verifyWithGpg } from "../../../src/components/install-script/verify.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { generateTestKey } from "../../components/install-script/gpg-keys.ts";
import { startSignedInstallScript } from "../../fixtures/signed-script.ts";
import { startWorld } from "../../flows/register/harness.ts";

// Run only by no-leftover-processes.test.ts, in a vitest of its own whose TMPDIR is a folder that test watches:
// the gpg-using helpers exactly as the suites use them, forgetful tests included.

const SCRIPT = "#!/bin/sh\necho installed\n";

describe("the gpg-using test helpers", () => {
  it("generate a key with a signing subkey, sign, verify the way register does, dispose", async () => {
    const key = await generateTestKey("Probe signer", { signingSubkey: true });
    try {
      const verified = await verifyWithGpg({
        script: SCRIPT,
        signature: await key.sign(SCRIPT),
        publicKey: key.publicKey,
        expectedFingerprint: key.fingerprint,
        exec: run,
        redactor: new Redactor(),
      });
      expect(verified).toEqual({ ok: true, fingerprint: key.fingerprint });
    } finally {
      await key.dispose();
    }
  });

  it("serve a signed install script with a key of its own, then stop", async () => {
    const signed = await startSignedInstallScript("Probe server");
    await signed.stop();
  });

  it("start and stop a register world (the harness's shared key, which no test disposes of)", async () => {
    const world = await startWorld();
    await world.stop();
  });

  it("generate a key and forget to dispose of it", async () => {
    const key = await generateTestKey("Forgotten");
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
  });
});
