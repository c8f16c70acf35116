import { randomBytes, randomInt, randomUUID } from "node:crypto";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function pick(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const newRequestId = (): string => randomUUID();
export const newActivationId = (): string => randomUUID();
/** 20 characters, like real activation codes (base64 alphabet). */
export const newActivationCode = (): string => pick(CODE_CHARS, 20);
/** field notes §4: ^mi-[0-9a-f]{17}$ */
export const newManagedInstanceId = (): string => `mi-${randomBytes(9).toString("hex").slice(0, 17)}`;
export const newRoleId = (): string => `AROA${pick(UPPER_ALNUM, 17)}`;
export const newUserId = (): string => `AIDA${pick(UPPER_ALNUM, 17)}`;
/** ECS container instance id: 32 lowercase hex digits. */
export const newContainerInstanceId = (): string => randomBytes(16).toString("hex");
