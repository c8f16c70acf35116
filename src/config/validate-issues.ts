// What the validator (validate.ts) says about a value it rejects: one issue per thing wrong, with where it is
// (object keys and list indexes from the top), what it is (a code and its details), the value found and a
// message, which is the schema's own, else the error map's, else a plain one. issues.ts turns them into the
// config's one-line errors.

/** What an issue says before its message is chosen: what an ErrorMap reads. */
export type IssueDetails =
  | {
      code: "invalid_type";
      expected: "string" | "number" | "int" | "boolean" | "object" | "record" | "array";
      input: unknown;
    }
  | { code: "too_small"; origin: "string" | "number" | "int"; minimum: number; input: unknown }
  | { code: "too_big"; origin: "string" | "number" | "int"; maximum: number; input: unknown }
  | { code: "invalid_format"; format: "regex" | "url"; input: string }
  | { code: "invalid_value"; values: readonly string[]; input: unknown }
  | { code: "invalid_union"; input: unknown }
  /** A record key that failed its schema; `issues` say why (with paths relative to the key). */
  | { code: "invalid_key"; issues: Issue[]; input: string }
  /** The keys of a strict object that its shape does not have, in the input's order. */
  | { code: "unrecognized_keys"; keys: string[]; input: unknown }
  | { code: "custom"; input: unknown };

/** One thing wrong: where (object keys and list indexes from the top), what, and the value found there. */
export type Issue = IssueDetails & { readonly path: (string | number)[]; readonly message: string };

/** The message for an issue whose schema gave none; undefined leaves it to the validator's own. */
export type ErrorMap = (issue: IssueDetails) => string | undefined;

export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
  }
}

/** What a check reports its issues to, while a schema runs over one input. */
export interface Context {
  readonly issues: Issue[];
  /** Where the value being checked is; issues copy it. */
  path: (string | number)[];
  readonly error: ErrorMap | undefined;
}

/** An issue at the current path; its message is the schema's, else the error map's, else a plain one. */
export function report(ctx: Context, details: IssueDetails, message?: string): void {
  const chosen = message ?? ctx.error?.(details) ?? plainMessage(details);
  ctx.issues.push({ ...details, path: ctx.path.slice(), message: chosen });
}

function plainMessage(details: IssueDetails): string {
  switch (details.code) {
    case "invalid_format":
      return details.format === "url" ? "Invalid URL" : "Invalid input";
    case "unrecognized_keys":
      return `unknown keys: ${details.keys.join(", ")}`;
    case "invalid_key":
      return `invalid key: ${details.issues[0]?.message}`;
    default:
      return "Invalid input";
  }
}
