/**
 * IAM wildcard matching: `*` matches any run of characters (including none), `?` exactly one.
 * Actions compare case-insensitively (IAM action names are case-insensitive); ARNs and condition values do not.
 */
export function wildcardMatch(
  pattern: string,
  value: string,
  options: { ignoreCase?: boolean } = {},
): boolean {
  const source = pattern
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, options.ignoreCase ? "is" : "s").test(value);
}

/** True when one of `patterns` (e.g. `ecs:Submit*`) grants `action`. */
export function actionCovered(action: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => wildcardMatch(pattern, action, { ignoreCase: true }));
}

/** Deduplicated and sorted, so documents do not change when the configuration lists things in another order. */
export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
