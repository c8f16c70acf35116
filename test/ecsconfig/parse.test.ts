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
