import { type ConfigError, clip, MAX_ECHO, oneLine, problemError, showValue, suggest } from "./errors.ts";
import { type LoadedFile, lineOf } from "./file.ts";
import { configSchema } from "./schema.ts";
import type { ErrorMap, Issue, IssueDetails } from "./validate-issues.ts";
import type { AnySchema } from "./validate-schema.ts";
import { kindOf } from "./values.ts";

/** A config value set by a flag or environment variable rather than by the file. */
export interface Origin {
  readonly path: readonly string[];
  /** The flag or environment variable the value came from. */
  readonly label: string;
}

/** Renders ["taskRoles", 0, "name"] as taskRoles[0].name and odd keys as tags["Cost Center"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_][\w-]*$/.test(segment) && segment.length <= 100) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(clip(String(segment)))}]`;
  }
  return text;
}

const EXPECTED: Record<Extract<IssueDetails, { code: "invalid_type" }>["expected"], string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

/** Plain-language messages for the validator's generic issues; the schema's own messages take precedence. */
export const friendlyMessage: ErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      if (issue.expected === "int" && typeof issue.input === "number") {
        return `must be a whole number (got ${showValue(issue.input)})`;
      }
      return `must be ${EXPECTED[issue.expected]} (got ${kindOf(issue.input)})`;
    }
    case "too_small":
    case "too_big": {
      const [bound, limit] =
        issue.code === "too_small" ? ["at least", issue.minimum] : ["at most", issue.maximum];
      if (issue.origin !== "string") return `must be ${bound} ${limit} (got ${showValue(issue.input)})`;
      return issue.code === "too_small" && limit === 1
        ? "must not be empty"
        : `must be ${bound} ${limit} characters`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.join(", ")} (got ${showValue(issue.input)})`;
    default:
      return undefined;
  }
};

/**
 * The problems one issue stands for, each with its path, the flag or variable its value came from, and
 * its file line: one per key for an issue listing several unknown keys, else one.
 */
export function issueToErrors(
  issue: Issue,
  origins: readonly Origin[],
  file: LoadedFile | undefined,
): ConfigError[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(issue.path);
    return issue.keys.map((key) => {
      const guess = suggest(key, known);
      const message = guess
        ? `unknown key (did you mean ${guess}?)`
        : `unknown key (expected one of ${known.join(", ") || "no keys"})`;
      return toError([...issue.path, key], message, true, origins, file);
    });
  }
  let message = issue.message;
  let atKey = false;
  if (issue.code === "invalid_key") {
    atKey = true;
    message = `key ${issue.issues[0]?.message ?? "is not allowed"}`;
  }
  // Custom messages may quote the value (e.g. '"x" is not a duration'); keep such quotes short and on one line.
  const input = issue.input;
  if (
    typeof input === "string" &&
    (input.length > MAX_ECHO || oneLine(input) !== input) &&
    message.includes(input)
  ) {
    message = message.replace(`"${input}"`, showValue(input)).replace(input, clip(oneLine(input)));
  }
  return [toError(issue.path, message, atKey, origins, file)];
}

function toError(
  path: PropertyKey[],
  message: string,
  atKey: boolean,
  origins: readonly Origin[],
  file: LoadedFile | undefined,
): ConfigError {
  const dotted = formatPath(path);
  const origin = origins.find((o) => o.path.every((segment, index) => path[index] === segment));
  if (origin !== undefined) return problemError({ path: dotted, message: `${origin.label}: ${message}` });
  if (file === undefined) return problemError({ path: dotted, message });
  const line = lineOf(file, path, atKey);
  return problemError({ path: dotted, message, file: file.path, ...(line === undefined ? {} : { line }) });
}

/** The keys the schema allows in the mapping at `path`, for "did you mean" hints. */
function knownKeys(path: Issue["path"]): string[] {
  let schema: AnySchema | undefined = configSchema;
  for (const segment of path) {
    schema = schema.at(segment);
    if (schema === undefined) return [];
  }
  return schema.keys();
}
