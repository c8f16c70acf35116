import type * as v from "../../src/config/validate.ts";
import type { ErrorMap } from "../../src/config/validate-issues.ts";

/** Each issue as "path code: message" (path dotted, "." for the top). */
export function issues(schema: v.AnySchema, input: unknown, error?: ErrorMap): string[] {
  const result = schema.safeParse(input, { error });
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join(".") || "."} ${issue.code}: ${issue.message}`);
}
