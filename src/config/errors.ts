/** Longest user-supplied value an error message repeats; longer values are cut. */
export const MAX_ECHO = 100;

/**
 * A configuration problem the operator has to fix. `message` is always a single line; `path` names what is
 * wrong: a dotted config path ("activation.registrationLimit", "taskRoles[0].name"), a flag ("--config"),
 * an environment variable ("ECS_ANYWHERE_CLUSTR") or a config file path.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
    this.path = path;
  }
}

/** Cuts text to at most MAX_ECHO characters, saying how long it was. */
export function clip(text: string, max = MAX_ECHO): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}… (${text.length} chars)`;
}

/** A user-supplied value as it may appear in a message: quoted, escaped onto one line, cut to MAX_ECHO. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(clip(value));
  if (value === null || typeof value !== "object") return clip(String(value));
  return Array.isArray(value) ? "a list" : "a mapping";
}

/** Escapes line breaks and other control characters so a message stays on one line. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === "\n"
      ? "\\n"
      : c === "\r"
        ? "\\r"
        : c === "\t"
          ? "\\t"
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The candidate closest to `name` (case-insensitive edit distance), when it is close enough to be a typo. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const wanted = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(name.length / 4)));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? Number.POSITIVE_INFINITY;
}
