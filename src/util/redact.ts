export const MASK = "****";

/**
 * Knows every secret value the process has seen (activation codes, AWS secret keys, registry credentials)
 * and removes them from any text before it leaves the process. Register a secret as soon as it is read.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  /** Per rotating secret (e.g. the instance role's keys): its current values and the ones they replaced. */
  readonly #rotating = new Map<string, { current: string[]; previous: string[] }>();

  add(secret: string | undefined): void {
    if (masks(secret)) this.#secrets.add(secret);
  }

  /**
   * Secrets that replace each other over a long-lived process (credentials a file rotates): the values of
   * `slot` now, keeping those they replace for one more generation (text made just before a rotation may
   * still hold them) and forgetting older ones, so that a daemon's redactor does not grow with every rotation.
   */
  rotate(slot: string, values: (string | undefined)[]): void {
    const current = values.filter(masks);
    const known = this.#rotating.get(slot);
    if (known !== undefined && sameValues(known.current, current)) return;
    this.#rotating.set(slot, { current, previous: known?.current ?? [] });
  }

  scrub(text: string): string {
    let result = text;
    const mask = (secret: string) => {
      if (result.includes(secret)) result = result.split(secret).join(MASK);
    };
    for (const secret of this.#secrets) mask(secret);
    for (const { current, previous } of this.#rotating.values()) {
      for (const secret of current) mask(secret);
      for (const secret of previous) mask(secret);
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

/** Very short values would mask unrelated text; AWS secrets and activation codes are long. */
function masks(secret: string | undefined): secret is string {
  return secret !== undefined && secret.length >= 8;
}

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
