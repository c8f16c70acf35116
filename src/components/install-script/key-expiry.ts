import type { KeyPart, PublicKeyInfo } from "./gpg-output.ts";

/** field notes §6.1: signing keys expire; warn this long ahead. */
export const KEY_EXPIRY_WARNING_MS = 30 * 24 * 60 * 60 * 1000;

export interface KeyJudgement {
  status: "ok" | "warn" | "failed";
  /** One line: what is wrong first, else the expiry that comes first. */
  summary: string;
  /** One line per key part: fingerprint, role, expiry. */
  details: string[];
}

const day = (date: Date) => date.toISOString().slice(0, 10);

function state(part: KeyPart, now: Date): string {
  if (part.revoked) return "revoked";
  if (part.expiresAt === undefined) return "never expires";
  return `${part.expiresAt.getTime() <= now.getTime() ? "expired" : "expires"} ${day(part.expiresAt)}`;
}

const describe = (part: KeyPart, role: string, now: Date) =>
  `${role} ${part.fingerprint}: ${state(part, now)}`;

const expired = (part: KeyPart, now: Date) =>
  part.revoked || (part.expiresAt !== undefined && part.expiresAt.getTime() <= now.getTime());

/**
 * Whether the key can still verify a signature made now, and for how long: the primary key must be valid and at
 * least one signing key (the primary itself or a signing subkey) must be; either running out within `warnWithinMs`
 * is a warning.
 */
export function judgeSigningKey(
  info: PublicKeyInfo,
  now: Date,
  warnWithinMs = KEY_EXPIRY_WARNING_MS,
): KeyJudgement {
  const signers = [
    ...(info.primary.capabilities.includes("s") ? [info.primary] : []),
    ...info.subkeys.filter((sub) => sub.capabilities.includes("s")),
  ];
  const details = [
    describe(info.primary, "primary key", now),
    ...info.subkeys
      .filter((sub) => sub.capabilities.includes("s"))
      .map((sub) => describe(sub, "signing subkey", now)),
  ];
  const judged = (status: KeyJudgement["status"], summary: string) => ({ status, summary, details });
  if (expired(info.primary, now)) {
    return judged("failed", `the primary key ${info.primary.fingerprint} ${state(info.primary, now)}`);
  }
  const valid = signers.filter((part) => !expired(part, now));
  if (valid.length === 0) {
    return judged(
      "failed",
      signers.length === 0 ? "the key has no signing key" : "every signing key has expired",
    );
  }
  const soon = (date: Date | undefined) =>
    date !== undefined && date.getTime() - now.getTime() <= warnWithinMs;
  if (soon(info.primary.expiresAt)) {
    return judged("warn", `the primary key expires ${day(info.primary.expiresAt as Date)}`);
  }
  // The signing key that lasts longest decides: another one running out does not stop verification.
  const lasting = valid.reduce((best, part) =>
    best.expiresAt === undefined || (part.expiresAt !== undefined && part.expiresAt <= best.expiresAt)
      ? best
      : part,
  );
  if (soon(lasting.expiresAt)) {
    return judged("warn", `the last valid signing key expires ${day(lasting.expiresAt as Date)}`);
  }
  return judged(
    "ok",
    lasting.expiresAt === undefined ? "valid, no expiry" : `valid until ${day(lasting.expiresAt)}`,
  );
}
