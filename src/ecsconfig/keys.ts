/** Keys whose values are credentials: never echoed in a message, a diagnostic or a change reason. */
const SECRET_KEYS: ReadonlySet<string> = new Set(["ECS_ENGINE_AUTH_DATA"]);

/** The only key shape ecs.config should contain; anything else is a typo or a comment ecs-init misreads. */
export const KEY_PATTERN = /^[A-Z][A-Z0-9_]*$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key);
}

/** A value as shown to a human (raw, shortened), or a placeholder when the key holds a secret. */
export function describeValue(key: string, value: string): string {
  if (isSecretKey(key)) return "(hidden: secret)";
  if (value === "") return "(empty)";
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** True when the value is wrapped in one pair of matching quotes that ecs-init would keep literally. */
export function isWrappedInQuotes(value: string): boolean {
  if (value.length < 2) return false;
  const first = value[0];
  return (first === '"' || first === "'") && value.endsWith(first);
}
