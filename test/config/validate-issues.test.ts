import { describe, expect, it } from "vitest";
import * as v from "../../src/config/validate.ts";
import { type ErrorMap, type IssueDetails, ValidationError } from "../../src/config/validate-issues.ts";
import { issues } from "./issue-lines.ts";

describe("issues and their messages", () => {
  it("reports what an issue is about for the error map, with the value found", () => {
    const seen: IssueDetails[] = [];
    const map: ErrorMap = (issue) => {
      seen.push(issue);
      return issue.code === "too_big" ? undefined : `mapped ${issue.code}`;
    };
    const schema = v.strictObject({
      a: v.number().int().max(3),
      b: v.oneOf(["x"]),
      c: v.string().regex(/x/, "own"),
    });
    expect(issues(schema, { a: 1.5, b: "y", c: "z" }, map)).toEqual([
      "a invalid_type: mapped invalid_type",
      "b invalid_value: mapped invalid_value",
      "c invalid_format: own", // the schema's message wins; the map is not asked
    ]);
    expect(seen).toEqual([
      { code: "invalid_type", expected: "int", input: 1.5 },
      { code: "invalid_value", values: ["x"], input: "y" },
    ]);
    expect(issues(v.number().max(3), 4, map)).toEqual([". too_big: Invalid input"]); // undefined: the plain one
    expect(seen.at(-1)).toEqual({ code: "too_big", origin: "number", maximum: 3, input: 4 });
  });

  it("parse returns the output or throws a ValidationError with every issue", () => {
    const schema = v.strictObject({ a: v.number(), b: v.boolean() });
    expect(schema.parse({ a: 1, b: true })).toEqual({ a: 1, b: true });
    expect(() => schema.parse({ a: "1", b: 1 })).toThrow(ValidationError);
    expect(() => schema.parse({ a: "1", b: 1 })).toThrow("a: Invalid input; b: Invalid input");
  });
});
