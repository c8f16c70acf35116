import type { ActivationInfo } from "../adapters/aws/ports.ts";

/** The public part of the JSON `activation create --out` writes (the code is read elsewhere, as a secret). */
export interface ActivationFileFacts {
  activationId: string;
  /** undefined when the file records none or an unparsable one. */
  expiresAt: Date | undefined;
  region: string | undefined;
}

/** What an activation file records, or undefined when it is not such a file (not JSON, no id). */
export function readActivationFacts(text: string): ActivationFileFacts | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return activationFactsOf(value);
}

/** readActivationFacts of a file's already parsed JSON. */
export function activationFactsOf(value: unknown): ActivationFileFacts | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { activationId, expiresAt, region } = value as Record<string, unknown>;
  if (typeof activationId !== "string" || activationId === "") return undefined;
  const expiry = typeof expiresAt === "string" ? new Date(expiresAt) : undefined;
  return {
    activationId,
    expiresAt: expiry !== undefined && !Number.isNaN(expiry.getTime()) ? expiry : undefined,
    region: typeof region === "string" && region !== "" ? region : undefined,
  };
}

/**
 * Why an activation cannot register another host: expired (per SSM, else per the recorded expiry on the
 * caller's clock), every registration used, or unknown to SSM. undefined = it may still register one.
 * `described` is SSM's answer when it could be asked: null when SSM does not know the id.
 */
export function activationSpent(
  facts: ActivationFileFacts,
  now: Date,
  described?: ActivationInfo | null,
): string | undefined {
  if (described === null)
    return `activation ${facts.activationId} does not exist (deleted, or another account or region)`;
  if (described !== undefined) {
    if (described.expired || described.expiresAt.getTime() <= now.getTime()) {
      return `activation ${facts.activationId} expired at ${described.expiresAt.toISOString()}`;
    }
    if (described.registrationsCount >= described.registrationLimit) {
      return `activation ${facts.activationId} is used up (${described.registrationsCount} of ${described.registrationLimit} registrations)`;
    }
    return undefined;
  }
  if (facts.expiresAt !== undefined && facts.expiresAt.getTime() <= now.getTime()) {
    return `activation ${facts.activationId} expired at ${facts.expiresAt.toISOString()}`;
  }
  return undefined;
}
