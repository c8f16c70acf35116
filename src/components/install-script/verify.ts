import { CommandStartError, type RunResult } from "../../adapters/host/exec.ts";
import { crypto } from "../../util/builtins.ts";
import { type GpgHomeOptions, withGpgHome } from "./gpg-home.ts";
import {
  findValidSignatureKeys,
  normalizeFingerprint,
  parsePrimaryFingerprints,
  parseStatusLines,
} from "./gpg-output.ts";

// field notes §1: the "Amazon ECS" key that signs ecs-anywhere-install-latest.sh (.asc next to it).
export const AMAZON_ECS_KEY_FINGERPRINT = "F34C3DDAE72926B079BEAEC6BCE9D9A42D51784F";

export type VerifyFailureReason =
  | "fingerprint-mismatch"
  | "bad-signature"
  | "no-signature"
  | "sha256-mismatch"
  | "gpg-missing";

export type VerifyResult =
  | { ok: true; fingerprint: string }
  | { ok: false; reason: VerifyFailureReason; message: string };

export interface GpgVerifyInput extends GpgHomeOptions {
  script: string | Uint8Array;
  /** The detached ASCII-armored signature (`.asc`). */
  signature: string;
  /** The armored public key, from wherever the operator configured (field notes §1: the old keyserver is dead). */
  publicKey: string;
  /** Primary-key fingerprint to pin; defaults to the Amazon ECS key. */
  expectedFingerprint?: string;
}

const DO_NOT_RUN = "Do not run the script.";

/**
 * Verifies the install script with gpg in a throwaway GNUPGHOME: import the key, refuse it unless its
 * primary fingerprint is the pinned one, then require a VALIDSIG made by that key. Always removes the home.
 */
export async function verifyWithGpg(input: GpgVerifyInput): Promise<VerifyResult> {
  const pinned = normalizeFingerprint(input.expectedFingerprint ?? AMAZON_ECS_KEY_FINGERPRINT);
  if (input.signature.trim() === "") {
    return fail(
      "no-signature",
      `The signature is empty. Download the script's .asc file again. ${DO_NOT_RUN}`,
    );
  }
  try {
    return await withGpgHome(input, async (home) => {
      const key = await home.write("key.asc", input.publicKey);
      const script = await home.write("script", input.script);
      const signature = await home.write("script.asc", input.signature);
      await home.gpg(["--import", key]);
      const listed = await home.gpg(["--with-colons", "--fingerprint", "--list-keys"]);
      const refusal = checkImportedKeys(parsePrimaryFingerprints(listed.stdout), pinned);
      if (refusal !== undefined) return refusal;
      const verified = await home.gpg(["--status-fd", "1", "--verify", signature, script]);
      return interpretVerification(verified, pinned);
    });
  } catch (error) {
    if (error instanceof CommandStartError && error.code === "ENOENT") {
      return fail(
        "gpg-missing",
        "gpg is not installed, so the install script's signature cannot be checked. Install it " +
          `(apt-get install gnupg, or dnf install gnupg2) and retry. ${DO_NOT_RUN}`,
      );
    }
    throw error;
  }
}

/** Compares the content's SHA-256 with an expected hex digest (a bare digest or a `sha256sum` line). */
export function verifySha256(content: string | Uint8Array, expectedHex: string): VerifyResult {
  // field notes §1: a published .sha256 is unverified, so the expected digest comes from the operator.
  const actual = crypto().createHash("sha256").update(content).digest("hex");
  const expected = (expectedHex.trim().split(/\s+/)[0] ?? "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    return fail(
      "sha256-mismatch",
      "The expected SHA-256 is not a 64-character hex digest; check the configuration.",
    );
  }
  if (actual !== expected) {
    return fail(
      "sha256-mismatch",
      `The script's SHA-256 is ${actual}, not the expected ${expected}: it changed or was altered in transit. ` +
        `Download it again, or update the pinned digest after reviewing the new script. ${DO_NOT_RUN}`,
    );
  }
  return { ok: true, fingerprint: `sha256:${actual}` };
}

function checkImportedKeys(primaries: string[], pinned: string): VerifyResult | undefined {
  if (primaries.length === 1 && primaries[0] === pinned) return undefined;
  const found = primaries.length === 0 ? "no usable public key" : `key(s) ${primaries.join(", ")}`;
  return fail(
    "fingerprint-mismatch",
    `The configured public key source provided ${found}, but only the pinned key ${pinned} is trusted. ` +
      `Point the key source at the genuine Amazon ECS key, or correct the pinned fingerprint. ${DO_NOT_RUN}`,
  );
}

function interpretVerification(verified: RunResult, pinned: string): VerifyResult {
  const status = parseStatusLines(verified.stdout);
  const has = (keyword: string) => status.some((line) => line.keyword === keyword);
  const signers = findValidSignatureKeys(status);
  if (verified.exitCode === 0 && !has("REVKEYSIG") && signers.includes(pinned)) {
    return { ok: true, fingerprint: pinned };
  }
  if (signers.length > 0 && !signers.includes(pinned)) {
    return fail(
      "fingerprint-mismatch",
      `The script was signed by ${signers.join(", ")}, not ${pinned}. ${DO_NOT_RUN}`,
    );
  }
  if (has("NODATA") && !has("BADSIG") && !has("ERRSIG")) {
    return fail(
      "no-signature",
      `The .asc file contains no OpenPGP signature. Download it again. ${DO_NOT_RUN}`,
    );
  }
  const detail = verified.stderr.trim().split("\n").at(-1) ?? "";
  const stranger = status.find((line) => line.keyword === "NO_PUBKEY")?.args[0];
  const why = has("REVKEYSIG")
    ? "the signing key has been revoked"
    : stranger
      ? `it was signed by another key, ${stranger}`
      : `gpg said: ${detail}`;
  return fail(
    "bad-signature",
    `The install script's signature does not verify with the pinned key ${pinned} (${why}). The script was ` +
      `altered or truncated in transit, or the signature belongs to another file: download both again. ${DO_NOT_RUN}`,
  );
}

function fail(reason: VerifyFailureReason, message: string): VerifyResult {
  return { ok: false, reason, message };
}
