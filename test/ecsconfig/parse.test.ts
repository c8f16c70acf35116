import { describe, expect, it } from "vitest";
import { parseEcsConfig } from "../../src/ecsconfig/parse.ts";

const readValue = (text: string, key: string) => parseEcsConfig(text).values.get(key);

describe("parseEcsConfig reads ecs.config exactly as ecs-init does (field notes §3.2)", () => {
  it("reads `#A=b` as a key named `#A`, because there is no comment handling", () => {
    expect(readValue("#A=b\n", "#A")).toBe("b");
    expect(readValue("#A=b\n", "A")).toBeUndefined();
  });

  it('keeps the quotes of `X="y"` as part of the value', () => {
    expect(readValue('X="y"\n', "X")).toBe('"y"');
    expect(readValue("X='y'\n", "X")).toBe("'y'");
  });

  it("splits on the first `=` only", () => {
    expect(readValue("ECS_ENGINE_AUTH_DATA=a=b==\n", "ECS_ENGINE_AUTH_DATA")).toBe("a=b==");
  });

  it("ignores lines without `=` and blank lines", () => {
    const parsed = parseEcsConfig("just words\n\n   \nA=1\n");
    expect(parsed.entries).toEqual([{ key: "A", value: "1", line: 4 }]);
  });

  it("trims each line but keeps spaces around `=` in the key and value", () => {
    const parsed = parseEcsConfig("  A = 1  \r\n");
    expect(parsed.entries).toEqual([{ key: "A ", value: " 1", line: 1 }]);
  });

  it("handles CRLF line endings like LF ones", () => {
    expect([...parseEcsConfig("A=1\r\nB=2\r\n").values]).toEqual([
      ["A", "1"],
      ["B", "2"],
    ]);
  });

  it("trims like Go: a byte-order mark stays part of the first key", () => {
    expect([...parseEcsConfig("\uFEFFA=1\n").values.keys()]).toEqual(["\uFEFFA"]);
  });

  it("lets a later duplicate win while keeping the key's first position", () => {
    const parsed = parseEcsConfig("A=1\nB=2\nA=3\n");
    expect([...parsed.values]).toEqual([
      ["A", "3"],
      ["B", "2"],
    ]);
    expect(parsed.entries).toHaveLength(3);
  });

  it("accepts an empty value and an empty key, as ecs-init does", () => {
    expect(readValue("A=\n", "A")).toBe("");
    expect(readValue("=orphan\n", "")).toBe("orphan");
  });
});

describe("parseEcsConfig diagnostics explain what ecs-init reads differently", () => {
  const kinds = (text: string) => parseEcsConfig(text).diagnostics.map(({ kind, line }) => [kind, line]);

  it("reports comment-looking lines, quoted values, duplicates and ignored lines with their line", () => {
    const text = '# header\n#ECS_LOGLEVEL=debug\nECS_CLUSTER="prod"\nECS_CLUSTER=prod\nA = b\n';
    expect(kinds(text)).toEqual([
      ["ignored-line", 1],
      ["comment-like", 2],
      ["quoted-value", 3],
      ["duplicate", 4],
      ["space-around-equals", 5],
    ]);
  });

  it("never includes a value in a diagnostic", () => {
    const secret = "c2VjcmV0LXJlZ2lzdHJ5LXBhc3N3b3Jk";
    const parsed = parseEcsConfig(`ECS_ENGINE_AUTH_DATA="${secret}"\nECS_ENGINE_AUTH_DATA='${secret}'\n`);
    expect(parsed.diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(parsed.diagnostics)).not.toContain(secret);
  });

  it("has nothing to say about a plain file", () => {
    expect(parseEcsConfig("ECS_CLUSTER=prod\nECS_EXTERNAL=true\n").diagnostics).toEqual([]);
  });
});

describe("parseEcsConfig diagnostic messages name the line and the key, never the value", () => {
  const diagnose = (text: string) =>
    parseEcsConfig(text).diagnostics.map(({ kind, line, key, message }) => ({ kind, line, key, message }));

  it("tells a comment without `=` from other text without `=`", () => {
    expect(diagnose("# managed by hand\nECS_CLUSTER prod\n")).toEqual([
      {
        kind: "ignored-line",
        line: 1,
        key: undefined,
        message: 'line 1: a comment without "=", which ecs-init ignores',
      },
      {
        kind: "ignored-line",
        line: 2,
        key: undefined,
        message: 'line 2: text without "=", which ecs-init ignores',
      },
    ]);
  });

  it("explains a comment-looking assignment", () => {
    expect(diagnose("#ECS_LOGLEVEL=debug\n")).toEqual([
      {
        kind: "comment-like",
        line: 1,
        key: "#ECS_LOGLEVEL",
        message: "line 1 looks like a comment, but ecs-init reads it as a key",
      },
    ]);
  });

  it("does not take a key that only ends with `#` for a comment", () => {
    expect(diagnose("ECS_CLUSTER#=prod\n")).toEqual([]);
  });

  it("explains a quoted value", () => {
    expect(diagnose("\nECS_CLUSTER='prod'\n")).toEqual([
      {
        kind: "quoted-value",
        line: 2,
        key: "ECS_CLUSTER",
        message: "line 2: the value of ECS_CLUSTER is quoted; ecs-init keeps the quotes as part of the value",
      },
    ]);
  });

  it.each([
    ["before `=` only", "ECS_CLUSTER =prod\n", "ECS_CLUSTER "],
    ["after `=` only", "ECS_CLUSTER= prod\n", "ECS_CLUSTER"],
    ["on both sides", "ECS_CLUSTER = prod\n", "ECS_CLUSTER "],
  ])("reports spaces %s, naming the trimmed key", (_, text, key) => {
    expect(diagnose(text)).toEqual([
      {
        kind: "space-around-equals",
        line: 1,
        key,
        message: 'line 1: spaces around "=" become part of the key or value of "ECS_CLUSTER"',
      },
    ]);
  });

  it("names no key of an invalid shape, so a comment's text is never echoed", () => {
    expect(diagnose("# my secret hunter2 = x\n").map(({ message }) => message)).toEqual([
      "line 1 looks like a comment, but ecs-init reads it as a key",
      'line 1: spaces around "=" become part of the key or value of this line',
    ]);
  });

  it("does not mistake spaces inside a key or value for spaces around `=`", () => {
    expect(diagnose(" ECS_CLUSTER=prod\nHTTP PROXY=a b\n")).toEqual([]);
  });

  it("cites the first line a key was set on for every later duplicate", () => {
    expect(diagnose("A=1\nB=2\nA=3\nA=4\n")).toEqual([
      {
        kind: "duplicate",
        line: 3,
        key: "A",
        message: "line 3 sets A again (first set on line 1); ecs-init uses the last one",
      },
      {
        kind: "duplicate",
        line: 4,
        key: "A",
        message: "line 4 sets A again (first set on line 1); ecs-init uses the last one",
      },
    ]);
  });

  it("counts lines from 1, blank lines included", () => {
    expect(parseEcsConfig("\n\nA=1\n").entries).toEqual([{ key: "A", value: "1", line: 3 }]);
  });

  it("trims every space Go trims, and nothing more, at both ends of a line", () => {
    expect(parseEcsConfig("\t\u00a0A=1\u3000\u0085").entries).toEqual([{ key: "A", value: "1", line: 1 }]);
    expect(parseEcsConfig("A=1 \t").entries).toEqual([{ key: "A", value: "1", line: 1 }]);
    expect(parseEcsConfig("A=1\uFEFF").entries).toEqual([{ key: "A", value: "1\uFEFF", line: 1 }]);
  });
});
