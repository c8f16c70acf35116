/** Longest user-supplied value an error message repeats; longer values are cut. */
export const MAX_ECHO = 100;

/** One problem with the configuration (`--output json` lists them under `error.problems`). */
export interface ConfigProblem {
  /** What is wrong: a config path ("taskRoles[0].name"), a flag, an environment variable or a file path. */
  readonly path: string;
  /**
   * What is wrong with it, and the fix where there is one; one line, without the path. It names the flag or
   * variable when the value came from one ("--cluster: may contain only ...").
   */
  readonly message: string;
  /** The config file the value comes from, when it does. */
  readonly file?: string;
  /** The line of `file` that holds it, where known. */
  readonly line?: number;
}

/**
 * A configuration problem the operator has to fix, or several found at once. `path` names what is wrong
 * (the first problem's when there are several): a dotted config path ("activation.registrationLimit",
 * "taskRoles[0].name"), a flag ("--config"), an environment variable ("ECS_ANYWHERE_CLUSTR") or a config file
 * path. With one problem `message` is a single line; with several it is a header line and one indented line
 * per problem (see combineErrors). Every user-supplied text in it is on one line and clipped.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly path: string;
  /** Every problem found, in the order the message lists them; one for a single problem. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    path: string,
    message: string,
    options?: ErrorOptions & { problems?: readonly ConfigProblem[] },
  ) {
    super(oneLine(message), options);
    this.path = path;
    this.problems = options?.problems ?? [{ path, message: oneLine(message) }];
  }
}

/** `PATH: MESSAGE (FILE line N)`; just `(line N)` when the reader already knows the file is `knownFile`. */
export function describeProblem(problem: ConfigProblem, knownFile?: string): string {
  const { file, line } = problem;
  const where =
    file === undefined || line === undefined
      ? ""
      : file === knownFile
        ? ` (line ${line})`
        : ` (${clip(file)} line ${line})`;
  return `${problem.path}: ${problem.message}${where}`;
}

/** The error for one problem: `config: PATH: MESSAGE (FILE line N)`. */
export function problemError(problem: ConfigProblem): ConfigError {
  const clean = { ...problem, path: oneLine(problem.path), message: oneLine(problem.message) };
  return new ConfigError(clean.path, `config: ${describeProblem(clean)}`, { problems: [clean] });
}

/**
 * Every problem found, in one error: the error itself when there is only one (its one-line message
 * unchanged), otherwise `config: N problems in FILE:` (or `config: N problems:` when some come from flags
 * or the environment) and then one indented line per problem.
 */
export function combineErrors(errors: readonly [ConfigError, ...ConfigError[]], file?: string): ConfigError {
  const [first] = errors;
  if (errors.length === 1) return first;
  const problems = errors.flatMap((error) => error.problems);
  const knownFile = file !== undefined && problems.every((p) => p.file === file) ? file : undefined;
  const header = oneLine(
    `config: ${problems.length} problems${knownFile === undefined ? "" : ` in ${clip(knownFile)}`}:`,
  );
  const combined = new ConfigError(first.path, header, { problems });
  combined.message = [
    header,
    ...problems.map((problem) => `  ${oneLine(describeProblem(problem, knownFile))}`),
  ].join("\n");
  return combined;
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
