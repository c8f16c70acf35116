import type { z } from "zod";
import { type ConfigError, clip, MAX_ECHO, oneLine, problemError, showValue, suggest } from "./errors.ts";
import { type LoadedFile, lineOf } from "./file.ts";
import { configSchema } from "./schema.ts";
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

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

/** Plain-language messages for zod's generic issues; the schema's own messages take precedence over these. */
export const friendlyMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return "is required";
      if (issue.expected === "int" && typeof issue.input === "number") {
        return `must be a whole number (got ${showValue(issue.input)})`;
      }
      return `must be ${expected} (got ${kindOf(issue.input)})`;
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = Number(small ? issue.minimum : issue.maximum);
      const bound =
        issue.inclusive === false ? (small ? "more than" : "less than") : small ? "at least" : "at most";
      switch (issue.origin) {
        case "string":
          return small && limit === 1 ? "must not be empty" : `must be ${bound} ${limit} characters`;
        case "array":
          return small && limit === 1 ? "must not be empty" : `must have ${bound} ${limit} entries`;
        case "number":
        case "int":
          return `must be ${bound} ${limit} (got ${showValue(issue.input)})`;
        default:
          return undefined;
      }
    }
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")} (got ${showValue(issue.input)})`;
    default:
      return undefined;
  }
};

/**
 * The problems one zod issue stands for, each with its path, the flag or variable its value came from, and
 * its file line: one per key for an issue listing several unknown keys, else one.
 */
export function issueToErrors(
  issue: z.core.$ZodIssue,
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

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
}

/** The keys the schema allows in the mapping at `path`, for "did you mean" hints. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  const defOf = (schema: z.core.$ZodType): LooseDef => {
    let def = schema._zod.def as unknown as LooseDef;
    for (;;) {
      const inner = def.type === "pipe" ? def.in : def.innerType;
      if (inner === undefined) return def;
      def = inner._zod.def as unknown as LooseDef;
    }
  };
  let def = defOf(configSchema);
  for (const segment of path) {
    const next =
      def.type === "object"
        ? def.shape?.[String(segment)]
        : def.type === "array"
          ? def.element
          : def.type === "record"
            ? def.valueType
            : undefined;
    if (next === undefined) return [];
    def = defOf(next);
  }
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}
