/** Keys whose values are credentials although their names do not say so by a word of SECRET_WORDS. */
const SECRET_KEYS: ReadonlySet<string> = new Set(["ECS_ENGINE_AUTH_DATA"]);

/**
 * A key named like a credential holds one (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, DB_PASSWORD, ...): its value
 * is never echoed in a message, a diagnostic, a plan or a diff, whatever the key.
 */
const SECRET_WORDS = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY/i;

/**
 * The key shapes both readers of ecs.config agree on (field notes §8.7, §8.8): letters of either case, digits and
 * "_", not starting with a digit. Anything else is a typo, or a comment ecs-init misreads as a key.
 */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The password of a URL with credentials (`http://user:pw@proxy:3128`), wherever the URL is in the value. */
const URL_PASSWORD = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:\s]*:([^/?#@\s]+)@/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toUpperCase()) || SECRET_WORDS.test(key);
}

/** The secret part of a value: all of it for a secret key, the password of a URL with one, else undefined. */
export function secretOf(key: string, value: string): string | undefined {
  if (isSecretKey(key)) return value;
  return URL_PASSWORD.exec(value)?.[1];
}

/** The value with its secret part (see secretOf) replaced by `mask`. */
export function maskValue(key: string, value: string, mask: string): string {
  return isSecretKey(key) ? mask : maskUrlPassword(value, mask);
}

/** A URL with the password of its credentials replaced by `mask`; any other text as it is. */
export function maskUrlPassword(text: string, mask: string): string {
  const password = URL_PASSWORD.exec(text)?.[1];
  return password === undefined ? text : text.replace(`:${password}@`, `:${mask}@`);
}

/** A value as shown to a human (raw, shortened), or a placeholder when the key holds a secret. */
export function describeValue(key: string, value: string): string {
  if (isSecretKey(key)) return "(hidden: secret)";
  if (value === "") return "(empty)";
  const shown = maskValue(key, value, "****");
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/** True when the value is wrapped in one pair of matching quotes that ecs-init would keep literally. */
export function isWrappedInQuotes(value: string): boolean {
  if (value.length < 2) return false;
  const first = value[0];
  return (first === '"' || first === "'") && value.endsWith(first);
}
