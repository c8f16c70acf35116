import { isWrappedInQuotes, KEY_PATTERN } from "./keys.ts";

export interface EcsConfigEntry {
  key: string;
  value: string;
  /** 1-based line number in the original text. */
  line: number;
}

export type EcsConfigDiagnosticKind =
  | "comment-like"
  | "quoted-value"
  | "duplicate"
  | "ignored-line"
  | "space-around-equals";

/**
 * Something ecs-init reads differently from what a human would expect. Never carries a value, and names only
 * keys of a valid shape: a comment's text is never echoed.
 */
export interface EcsConfigDiagnostic {
  kind: EcsConfigDiagnosticKind;
  line: number;
  key?: string;
  message: string;
}

export interface ParsedEcsConfig {
  /** Every assignment in file order, duplicates included. */
  entries: EcsConfigEntry[];
  /** The effective values: first-seen key order, last value wins (what ecs-init passes to the agent). */
  values: Map<string, string>;
  diagnostics: EcsConfigDiagnostic[];
}

// Go's strings.TrimSpace (unicode.IsSpace): unlike String.prototype.trim it keeps U+FEFF and removes U+0085.
const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, "g");

function trimLikeGo(text: string): string {
  return text.replace(GO_TRIM, "");
}

/**
 * Parses ecs.config exactly as ecs-init does (field notes §3.2): split on newlines, trim each line, split on the
 * FIRST "=", skip lines without "=", no comment handling, no quote stripping, a later duplicate wins.
 * Diagnostics explain where that differs from what the author probably meant.
 */
export function parseEcsConfig(text: string): ParsedEcsConfig {
  const entries: EcsConfigEntry[] = [];
  const values = new Map<string, string>();
  const diagnostics: EcsConfigDiagnostic[] = [];
  const firstLine = new Map<string, number>();

  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    const trimmed = trimLikeGo(raw);
    const equals = trimmed.indexOf("=");
    if (equals < 0) {
      if (trimmed !== "") diagnostics.push(diagnoseIgnoredLine(trimmed, line));
      return;
    }
    const key = trimmed.slice(0, equals);
    const value = trimmed.slice(equals + 1);
    entries.push({ key, value, line });
    diagnostics.push(...diagnoseEntry(key, value, line, firstLine.get(key)));
    if (!firstLine.has(key)) firstLine.set(key, line);
    values.set(key, value);
  });
  return { entries, values, diagnostics };
}

function diagnoseIgnoredLine(trimmed: string, line: number): EcsConfigDiagnostic {
  const what = trimmed.startsWith("#") ? "a comment" : "text";
  return { kind: "ignored-line", line, message: `line ${line}: ${what} without "=", which ecs-init ignores` };
}

function diagnoseEntry(
  key: string,
  value: string,
  line: number,
  seenAt: number | undefined,
): EcsConfigDiagnostic[] {
  const found: EcsConfigDiagnostic[] = [];
  if (key.startsWith("#")) {
    const message = `line ${line} looks like a comment, but ecs-init reads it as a key`;
    found.push({ kind: "comment-like", line, key, message });
  }
  if (isWrappedInQuotes(value)) {
    const message = `line ${line}: the value of ${key} is quoted; ecs-init keeps the quotes as part of the value`;
    found.push({ kind: "quoted-value", line, key, message });
  }
  if (key !== key.trimEnd() || value !== value.trimStart()) {
    const name = KEY_PATTERN.test(key.trim()) ? `"${key.trim()}"` : "this line";
    const message = `line ${line}: spaces around "=" become part of the key or value of ${name}`;
    found.push({ kind: "space-around-equals", line, key, message });
  }
  if (seenAt !== undefined) {
    const message = `line ${line} sets ${key} again (first set on line ${seenAt}); ecs-init uses the last one`;
    found.push({ kind: "duplicate", line, key, message });
  }
  return found;
}
