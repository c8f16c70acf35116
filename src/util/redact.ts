export const MASK = "****";

/**
 * Knows every secret value the process has seen (activation codes, AWS secret keys, registry credentials)
 * and removes them from any text before it leaves the process. Register a secret as soon as it is read.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask unrelated text; AWS secrets and activation codes are long.
    if (secret !== undefined && secret.length >= 8) this.#secrets.add(secret);
  }

  scrub(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(MASK);
    }
    return result;
  }

  /** Scrubs every string inside a JSON-like value. */
  scrubValue<T>(value: T): T {
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.scrubValue(item)) as T;
    if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, this.scrubValue(v)]),
      ) as T;
    }
    return value;
  }
}
