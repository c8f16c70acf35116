import { describe, expect, it } from "vitest";
import { mergeEcsConfig } from "../../src/ecsconfig/merge.ts";
import { parseEcsConfig } from "../../src/ecsconfig/parse.ts";
import { renderEcsConfig } from "../../src/ecsconfig/render.ts";

describe("renderEcsConfig", () => {
  it("writes plain KEY=VALUE lines in the given order", () => {
    const entries = [
      { key: "ECS_CLUSTER", value: "prod" },
      { key: "ECS_INSTANCE_ATTRIBUTES", value: '{"rack":"r1"}' },
      { key: "EMPTY", value: "" },
    ];
    expect(renderEcsConfig(entries)).toBe(
      'ECS_CLUSTER=prod\nECS_INSTANCE_ATTRIBUTES={"rack":"r1"}\nEMPTY=\n',
    );
  });

  it("round-trips through the parser", () => {
    const entries = [
      { key: "A", value: "x=y" },
      { key: "B", value: " leading space" },
    ];
    expect([...parseEcsConfig(renderEcsConfig(entries)).values]).toEqual([
      ["A", "x=y"],
      ["B", " leading space"],
    ]);
  });

  it("refuses entries that would read back differently, without echoing the value", () => {
    expect(() => renderEcsConfig([{ key: "A", value: "line1\nB=injected" }])).toThrow(/newline/);
    expect(() => renderEcsConfig([{ key: "A", value: "trailing " }])).toThrow(/whitespace/);
    expect(() => renderEcsConfig([{ key: "A=B", value: "x" }])).toThrow(/key/);
    expect(() => renderEcsConfig([{ key: "A", value: "s3cret-value\n" }])).toThrow(/^(?!.*s3cret)/);
  });
});

describe("mergeEcsConfig", () => {
  it("keeps the operator's keys and lets the desired keys win", () => {
    const merged = mergeEcsConfig("ECS_CLUSTER=old\nMY_KEY=1\n", { ECS_CLUSTER: "prod" });
    expect(merged.text).toBe("ECS_CLUSTER=prod\nMY_KEY=1\n");
    expect(merged.changes).toEqual(["changed ECS_CLUSTER from old to prod"]);
  });

  it("reports nothing when the file already says what is desired", () => {
    expect(mergeEcsConfig("ECS_CLUSTER=prod\n", { ECS_CLUSTER: "prod" })).toEqual({
      text: "ECS_CLUSTER=prod\n",
      changes: [],
    });
  });

  it("never shows the value of a secret key in a change", () => {
    const secret = "eyJyZWdpc3RyeSI6InNlY3JldCJ9-password";
    const merged = mergeEcsConfig(`ECS_ENGINE_AUTH_DATA="old-${secret}"\n`, { ECS_ENGINE_AUTH_DATA: secret });
    expect(merged.text).toBe(`ECS_ENGINE_AUTH_DATA=${secret}\n`);
    expect(merged.changes).toEqual([
      "changed ECS_ENGINE_AUTH_DATA from (hidden: secret) to (hidden: secret)",
    ]);
  });

  it("keeps quotes it cannot remove without losing trailing spaces", () => {
    expect(mergeEcsConfig('A="b "\n', {}).text).toBe('A="b "\n');
  });
});
