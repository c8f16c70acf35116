import { describeValue, isWrappedInQuotes, KEY_PATTERN } from "./keys.ts";
import { parseEcsConfig } from "./parse.ts";
import { type RenderableEntry, renderEcsConfig } from "./render.ts";

export interface EcsConfigMerge {
  /** The file to write: desired keys first (in the given order), then the operator's keys in first-seen order. */
  text: string;
  /** One human reason per normalisation or managed-key change; empty when `existing` already converged. */
  changes: string[];
}

interface Effective {
  value: string;
  count: number;
}

/**
 * Merges the agent's desired keys into an existing ecs.config. Desired keys win; the operator's other keys
 * are kept with the value ecs-init actually used, and everything ecs-init reads differently from how it
 * looks (comments, quotes, duplicates, CRLF) is normalised and reported. Idempotent.
 */
export function mergeEcsConfig(
  existing: string,
  desired: Readonly<Record<string, string>>,
  /** Keys the agent owns that must not be there (a proxy no longer configured); desired keys win. */
  absent: readonly string[] = [],
): EcsConfigMerge {
  const changes: string[] = [];
  if (existing.includes("\r")) changes.push("converted CRLF line endings to LF");
  const effective = collectEffective(existing, changes);
  for (const [key, { count }] of effective) {
    if (count > 1) {
      changes.push(
        `collapsed ${count} lines setting ${key} into one, keeping the last (the value ecs-init used)`,
      );
    }
  }
  const entries: RenderableEntry[] = [];
  for (const [key, value] of Object.entries(desired)) {
    entries.push({ key, value });
    const change = describeDesiredChange(key, effective.get(key)?.value, value);
    if (change !== undefined) changes.push(change);
  }
  for (const [key, { value }] of effective) {
    if (Object.hasOwn(desired, key)) continue;
    if (absent.includes(key)) {
      changes.push(`removed ${key} (the agent set it; the config no longer asks for it)`);
      continue;
    }
    entries.push({ key, value: unquote(key, value, changes) });
  }
  return { text: renderEcsConfig(entries), changes };
}

/** The value ecs-init uses for each key, in first-seen order, minus lines it misreads (field notes §3.2). */
function collectEffective(existing: string, changes: string[]): Map<string, Effective> {
  const parsed = parseEcsConfig(existing);
  const cleanups: Array<{ line: number; text: string }> = [];
  for (const { kind, line } of parsed.diagnostics) {
    if (kind === "ignored-line") {
      cleanups.push({ line, text: `line ${line}: removed text without "=" (ecs-init ignored it)` });
    }
  }
  const effective = new Map<string, Effective>();
  for (const entry of parsed.entries) {
    const key = entry.key.trim();
    const value = entry.value.trimStart();
    const cleanup = describeCleanup(entry.key, entry.value, key, value);
    if (cleanup !== undefined) cleanups.push({ line: entry.line, text: `line ${entry.line}: ${cleanup}` });
    if (key.startsWith("#") || key === "") continue;
    effective.set(key, { value, count: (effective.get(key)?.count ?? 0) + 1 });
  }
  changes.push(...cleanups.sort((a, b) => a.line - b.line).map(({ text }) => text));
  return effective;
}

function describeCleanup(rawKey: string, rawValue: string, key: string, value: string): string | undefined {
  // A comment's text is never echoed: it may hold anything, a credential included.
  if (key.startsWith("#"))
    return "removed a comment-looking line; ecs-init has no comments and read it as a key";
  if (key === "") return 'removed a line with nothing before "="';
  if (key !== rawKey || value !== rawValue) {
    const name = KEY_PATTERN.test(key) ? key : "the key";
    return `removed the spaces around "=" after ${name}; ecs-init read them as part of the key or value`;
  }
  return undefined;
}

function describeDesiredChange(key: string, before: string | undefined, after: string): string | undefined {
  if (before === after) return undefined;
  if (before === undefined) return `added ${key}=${describeValue(key, after)}`;
  return `changed ${key} from ${describeValue(key, before)} to ${describeValue(key, after)}`;
}

/** field notes §3.2: ecs-init keeps quotes, so `X="y"` meant `y` to its author but `"y"` to the agent. */
function unquote(key: string, value: string, changes: string[]): string {
  if (!isWrappedInQuotes(value)) return value;
  const inner = value.slice(1, -1);
  if (/\s$/.test(inner)) return value;
  changes.push(`removed the quotes around the value of ${key}: ecs-init passed them to the agent literally`);
  return inner;
}
