import { HostFs } from "../adapters/host/fs.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../components/install-script/verify.ts";
import { defineCheck, fail, pass } from "./types.ts";

/**
 * The key that verifies the install script's signature must be at hand before anything is created: found only
 * when the script is verified, the run would fail after the activation exists (field notes §1.2).
 */
export const signingKeyCheck = defineCheck(
  "signing-key",
  "the key that verifies the install script is at hand",
  async (ctx) => {
    const { file, insecureSkipVerify, gpgKeyUrl, gpgKeyFile, fingerprint } = ctx.installScript;
    if (file !== undefined) return pass("a local copy pinned by SHA-256 is used: no signing key needed");
    if (insecureSkipVerify) return pass("--insecure-skip-verify: no signing key is read");
    if (gpgKeyUrl !== undefined)
      return pass(`the signing key is downloaded from ${new URL(gpgKeyUrl).origin}`);
    if (gpgKeyFile === undefined) return pass("no signing key file configured");
    const files = ctx.files ?? new HostFs("/", ctx.clock);
    if (await files.exists(gpgKeyFile)) return pass(`signing key file ${gpgKeyFile}`);
    return fail(
      `the Amazon ECS signing key is missing: ${gpgKeyFile}`,
      `save the "Amazon ECS" public key (fingerprint ${fingerprint ?? AMAZON_ECS_KEY_FINGERPRINT}) from the ECS Anywhere documentation to ${gpgKeyFile}, or pass --gpg-key-url URL`,
    );
  },
);
