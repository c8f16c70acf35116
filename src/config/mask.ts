import { maskUrlPassword, maskValue } from "../ecsconfig/keys.ts";
import { MASK } from "../util/redact.ts";

/**
 * Config paths whose values are secrets; "*" matches any key or list index. Registry credentials may be
 * configured as extra ecs.config keys (field notes §3: ECS_ENGINE_AUTH_DATA is a secret).
 */
export const SECRET_CONFIG_PATHS: readonly (readonly string[])[] = [["ecsConfig", "ECS_ENGINE_AUTH_DATA"]];

/** Replaces the values at `paths` ("*" matching any key or index) with MASK; absent values stay absent. */
export function maskSecrets<T>(value: T, paths: readonly (readonly string[])[]): T {
  let result: unknown = value;
  for (const path of paths) result = maskAt(result, path);
  return result as T;
}

function maskAt(value: unknown, path: readonly string[]): unknown {
  if (value === undefined || value === null) return value;
  const [head, ...rest] = path;
  if (head === undefined) return MASK;
  if (Array.isArray(value)) {
    return value.map((item, index) => (head === "*" || head === String(index) ? maskAt(item, rest) : item));
  }
  if (typeof value !== "object") return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(copy)) {
    if (head === "*" || head === key) copy[key] = maskAt(copy[key], rest);
  }
  return copy;
}

/**
 * Masks every secret among the extra ecs.config keys by the key's meaning (AWS_SECRET_ACCESS_KEY, *_PASSWORD,
 * *_TOKEN, ...) and the password of any proxy URL (field notes §3.4), whatever the key is called.
 */
export function maskEcsConfig(ecsConfig: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(ecsConfig).map(([key, value]) => [key, maskValue(key, value, MASK)]),
  );
}

/** A URL with the password of its credentials (`https://user:pw@mirror/`) masked. */
export function maskUrl(url: string): string {
  return maskUrlPassword(url, MASK);
}
