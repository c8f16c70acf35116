import { describe, expect, expectTypeOf, it } from "vitest";
import * as v from "../../src/config/validate.ts";
import { issues } from "./issue-lines.ts";

function output(schema: v.AnySchema, input: unknown): unknown {
  const result = schema.safeParse(input);
  if (!result.success) throw new Error(`unexpected issues: ${result.error.message}`);
  return result.data;
}

const emoji = (n: number) => "😀".repeat(n);

describe("leaf schemas", () => {
  const accepted: [string, v.AnySchema, unknown, unknown][] = [
    ["a string", v.string(), "x", "x"],
    ["min(1) at its limit", v.string().min(1), "x", "x"],
    ["min(1): one emoji (two UTF-16 units) is one character", v.string().min(1), emoji(1), emoji(1)],
    ["max(3): three emoji are three characters, not six", v.string().max(3), emoji(3), emoji(3)],
    ["a regex match", v.string().regex(/^a+$/, "only a"), "aaa", "aaa"],
    ["an http URL", v.httpUrl(), "http://mirror.internal/x.sh", "http://mirror.internal/x.sh"],
    ["an HTTPS URL in capitals", v.httpUrl(), "HTTPS://MIRROR/x", "HTTPS://MIRROR/x"],
    ["a URL trimmed, without tabs and line breaks", v.httpUrl(), " https://a.b/\tc\n ", "https://a.b/c"],
    ["a number", v.number(), -1.5, -1.5],
    ["a whole number within bounds", v.number().int().min(0).max(10), 10, 10],
    ["true", v.boolean(), true, true],
    ["false", v.boolean(), false, false],
    ["one of the values", v.oneOf(["read", "write"]), "write", "write"],
    ["a list", v.array(v.number()), [1, 2], [1, 2]],
    ["an empty list", v.array(v.number()), [], []],
    ["a record", v.record(v.string().min(1), v.number()), { a: 1, b: 2 }, { a: 1, b: 2 }],
    ["the first union option that passes", v.union([v.string().regex(/^a/), v.string()], "no"), "b", "b"],
  ];
  for (const [title, schema, input, expected] of accepted) {
    it(`accepts ${title}`, () => {
      expect(output(schema, input)).toEqual(expected);
    });
  }

  const rejected: [string, v.AnySchema, unknown, string[]][] = [
    ["a number as a string", v.string().min(1), 5, [". invalid_type: Invalid input"]],
    ["an empty string for min(1)", v.string().min(1), "", [". too_small: Invalid input"]],
    ["one emoji (two UTF-16 units) for min(2)", v.string().min(2), emoji(1), [". too_small: Invalid input"]],
    ["four emoji for max(3)", v.string().max(3, "too long"), emoji(4), [". too_big: too long"]],
    [
      "a string failing every check, each in order",
      v.string().max(1, "long").regex(/^a+$/, "only a").min(5, "short"),
      "bb",
      [". too_big: long", ". invalid_format: only a", ". too_small: short"],
    ],
    ["ftp", v.httpUrl(), "ftp://mirror/x", [". invalid_format: Invalid URL"]],
    ['"http:" without //', v.httpUrl(), "http:mirror/x", [". invalid_format: Invalid URL"]],
    ["text that is no URL", v.httpUrl(), "https://exa mple/", [". invalid_format: Invalid URL"]],
    ["a string as a number", v.number(), "5", [". invalid_type: Invalid input"]],
    ["NaN", v.number(), Number.NaN, [". invalid_type: Invalid input"]],
    ["Infinity", v.number(), Number.POSITIVE_INFINITY, [". invalid_type: Invalid input"]],
    ["a fraction, and nothing after int()", v.number().int().min(5), 1.5, [". invalid_type: Invalid input"]],
    [
      "an unsafe integer, and the bound too",
      v.number().int().max(9),
      2 ** 53,
      [". too_big: Invalid input", ". too_big: Invalid input"],
    ],
    ["below min", v.number().min(1), 0, [". too_small: Invalid input"]],
    ["above max", v.number().max(1), 2, [". too_big: Invalid input"]],
    ['"true" for a boolean', v.boolean(), "true", [". invalid_type: Invalid input"]],
    ["another value", v.oneOf(["read", "write"]), "admin", [". invalid_value: Invalid input"]],
    ["a mapping for a list", v.array(v.number()), {}, [". invalid_type: Invalid input"]],
    ["a list for a record", v.record(v.string(), v.number()), [], [". invalid_type: Invalid input"]],
    ["a list for an object", v.strictObject({}), [], [". invalid_type: Invalid input"]],
    ["null for an object", v.strictObject({}), null, [". invalid_type: Invalid input"]],
  ];
  for (const [title, schema, input, expected] of rejected) {
    it(`rejects ${title}`, () => {
      expect(issues(schema, input)).toEqual(expected);
    });
  }
});

describe("containers", () => {
  it("gives list items and record values their paths", () => {
    expect(issues(v.array(v.strictObject({ n: v.number() })), [{ n: 1 }, { n: "2" }])).toEqual([
      "1.n invalid_type: Invalid input",
    ]);
    expect(issues(v.record(v.string(), v.array(v.number())), { a: [1, "x"] })).toEqual([
      "a.1 invalid_type: Invalid input",
    ]);
  });

  it("reports a record key that fails as one invalid_key issue carrying the key's own issues", () => {
    const schema = v.record(
      v
        .string()
        .max(2)
        .regex(/^[a-z]+$/, "lower case only"),
      v.number(),
    );
    const result = schema.safeParse({ ok: 1, BAD: "not checked", abc: 2 });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues.map(({ path, code, input }) => ({ path, code, input }))).toEqual([
      { path: ["BAD"], code: "invalid_key", input: "BAD" },
      { path: ["abc"], code: "invalid_key", input: "abc" },
    ]);
    const [first] = result.error.issues;
    expect(first?.code === "invalid_key" && first.issues.map((inner) => [inner.path, inner.message])).toEqual(
      [
        [[], "Invalid input"],
        [[], "lower case only"],
      ],
    );
  });

  it("skips a record's own __proto__ key rather than copy it onto the output's prototype", () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "a": {}}');
    const parsed = output(v.record(v.string(), v.record(v.string(), v.number())), input) as object;
    expect(Object.keys(parsed)).toEqual(["a"]);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it("reports a strict object's unknown keys as one issue, after its keys' issues, in the input's order", () => {
    const schema = v.strictObject({ a: v.number(), b: v.number().optional() });
    const result = schema.safeParse(JSON.parse('{"z": 1, "b": "x", "__proto__": 2, "y": 3}'));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues.map((issue) => [issue.path.join("."), issue.code, issue.input])).toEqual([
      ["a", "invalid_type", undefined],
      ["b", "invalid_type", "x"],
      ["", "unrecognized_keys", { z: 1, b: "x", ["__proto__"]: 2, y: 3 }],
    ]);
    const last = result.error.issues.at(-1);
    expect(last?.code === "unrecognized_keys" && last.keys).toEqual(["z", "__proto__", "y"]);
  });

  it("keeps a strict object's keys in the shape's order: present ones, defaulted ones, not absent optional ones", () => {
    const schema = v.strictObject({
      required: v.string(),
      optional: v.string().optional(),
      defaulted: v.string().default("d"),
      present: v.string().optional(),
    });
    const parsed = output(schema, { present: undefined, required: "r" });
    expect(Object.entries(parsed as object)).toEqual([
      ["required", "r"],
      ["defaulted", "d"],
      ["present", undefined],
    ]);
  });
});

describe("defaults", () => {
  const item = v.strictObject({ name: v.string().min(1), size: v.number().default(1) });

  it("default: an absent value becomes the default, unchecked; a present one is checked", () => {
    const schema = v.strictObject({ n: v.number().min(10).default(5) });
    expect(output(schema, {})).toEqual({ n: 5 });
    expect(issues(schema, { n: 7 })).toEqual(["n too_small: Invalid input"]);
  });

  it("prefault: an absent value becomes the prefault, which is then checked like any input", () => {
    expect(output(v.strictObject({ item: item.prefault({ name: "x" }) }), {})).toEqual({
      item: { name: "x", size: 1 },
    });
    expect(issues(v.strictObject({ item: item.prefault({ name: "" }) }), {})).toEqual([
      "item.name too_small: Invalid input",
    ]);
  });

  it("hands each parse its own copy of a default list or mapping", () => {
    const schema = v.strictObject({
      list: v.array(v.number()).default([]),
      map: v.strictObject({}).prefault({}),
    });
    const first = output(schema, {}) as { list: number[]; map: object };
    first.list.push(1);
    const second = output(schema, {}) as { list: number[]; map: object };
    expect(second).toEqual({ list: [], map: {} });
    expect(second.map).not.toBe(first.map);
  });

  it("an optional value may be absent; a required one is reported with the value undefined", () => {
    const schema = v.strictObject({ a: v.string().optional(), b: v.string() });
    const result = schema.safeParse({});
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues).toEqual([
      { code: "invalid_type", expected: "string", input: undefined, path: ["b"], message: "Invalid input" },
    ]);
  });
});

describe("union, refine, transform, preprocess", () => {
  it("a union that no option passes is one issue with its own message, whatever the options said", () => {
    const schema = v.union(
      [v.string().regex(/^a/, "not a"), v.string().regex(/^b/, "not b")],
      "neither a nor b",
    );
    expect(issues(v.array(schema), ["c", 5])).toEqual([
      "0 invalid_union: neither a nor b",
      "1 invalid_union: neither a nor b",
    ]);
  });

  const root = v
    .string()
    .regex(/^\//, "must start with /")
    .refine((path) => path === "/", 'must be "/"');
  const refined: [unknown, string[]][] = [
    ["/", []],
    ["/x", ['. custom: must be "/"']],
    ["x", [". invalid_format: must start with /"]], // the refinement sees only a value nothing else was wrong with
    [5, [". invalid_type: Invalid input"]],
  ];
  for (const [input, expected] of refined) {
    it(`refine: ${JSON.stringify(input)} gives ${expected.length} issues`, () => {
      expect(issues(root, input)).toEqual(expected);
    });
  }

  const seconds = v
    .string()
    .min(1)
    .transform((text) =>
      /^\d+s$/.test(text) ? Number.parseInt(text, 10) : new v.Failure(`"${text}" is bad`),
    )
    .refine((n) => n <= 60, "at most 60s");
  const transformed: [unknown, number | string[]][] = [
    ["30s", 30],
    ["90s", [". custom: at most 60s"]],
    ["soon", ['. custom: "soon" is bad']],
    ["", [". too_small: Invalid input"]], // neither the transform nor the refinement ran
  ];
  for (const [input, expected] of transformed) {
    it(`transform: ${JSON.stringify(input)}`, () => {
      if (typeof expected === "number") expect(output(seconds, input)).toBe(expected);
      else expect(issues(seconds, input)).toEqual(expected);
    });
  }

  it("a transform's issue carries the value it was given", () => {
    const result = seconds.safeParse("soon");
    expect(!result.success && result.error.issues[0]?.input).toBe("soon");
  });

  it("preprocess: the schema checks what the function made of the input", () => {
    const level = v.preprocess(
      (value) => (typeof value === "string" ? value.toLowerCase() : value),
      v.oneOf(["info"]),
    );
    expect(output(level, "INFO")).toBe("info");
    const result = level.safeParse("LOUD");
    expect(!result.success && result.error.issues[0]).toMatchObject({ code: "invalid_value", input: "loud" });
    expect(issues(level, 1)).toEqual([". invalid_value: Invalid input"]);
  });
});

describe("walking and types", () => {
  it("walks from a schema to the keys allowed below it, through wrappers, lists and records", () => {
    const schema = v
      .strictObject({
        list: v.array(v.strictObject({ x: v.number(), y: v.number().optional() })).default([]),
        map: v.record(v.string(), v.strictObject({ z: v.string() })),
        leaf: v.string().refine(() => true, "never"),
      })
      .prefault({ map: {}, leaf: "" });
    expect(schema.keys()).toEqual(["list", "map", "leaf"]);
    expect(schema.at("list")?.at(3)?.keys()).toEqual(["x", "y"]);
    expect(schema.at("map")?.at("any")?.keys()).toEqual(["z"]);
    expect(schema.at("leaf")?.keys()).toEqual([]);
    expect(schema.at("nope")).toBeUndefined();
    expect(schema.at("toString")).toBeUndefined();
  });

  it("infers output and input types", () => {
    const schema = v.strictObject({
      name: v.string(),
      size: v.number().int().default(1),
      note: v.string().optional(),
      path: v.string().refine((p): p is "/" => p === "/", "root only"),
      access: v.oneOf(["read", "write"]),
      secs: v.string().transform((text) => text.length),
      level: v.preprocess((x) => x, v.oneOf(["a"])).default("a"),
      nested: v.strictObject({ flag: v.boolean().default(false) }).prefault({}),
    });
    expectTypeOf<v.Infer<typeof schema>>().toEqualTypeOf<{
      name: string;
      size: number;
      note?: string | undefined;
      path: "/";
      access: "read" | "write";
      secs: number;
      level: "a";
      nested: { flag: boolean };
    }>();
    expectTypeOf<v.InferInput<typeof schema>>().toEqualTypeOf<{
      name: string;
      size?: number | undefined;
      note?: string | undefined;
      path: string;
      access: "read" | "write";
      secs: string;
      level?: unknown;
      nested?: { flag?: boolean | undefined } | undefined;
    }>();
  });
});
