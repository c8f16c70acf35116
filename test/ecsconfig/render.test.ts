import { describe, expect, it } from "vitest";
import { renderEcsConfig } from "../../src/ecsconfig/render.ts";

const render = (key: string, value: string) => () => renderEcsConfig([{ key, value }]);

describe("renderEcsConfig refuses a key that would not read back as written", () => {
  it.each([
    ["an empty key", ""],
    ["a key holding `=`", "A=B"],
    ["a key holding a newline", "A\nB"],
    ["a key holding a carriage return", "A\rB"],
    ["a key with a leading space", " A"],
    ["a key with a trailing space", "A "],
    ["a key with a trailing tab", "A\t"],
  ])("%s", (_, key) => {
    expect(render(key, "x")).toThrow(
      `cannot render ecs.config key ${JSON.stringify(key)}: it would not read back as written`,
    );
  });
});

describe("renderEcsConfig refuses a value that would not read back as written, without showing it", () => {
  it.each([
    ["a newline", "s3cret\nB=injected"],
    ["a carriage return", "s3cret\rB=injected"],
  ])("one holding %s", (_, value) => {
    expect(render("A", value)).toThrow(/^cannot render ecs.config key A: its value contains a newline$/);
  });

  it.each([
    ["a space", "s3cret "],
    ["a tab", "s3cret\t"],
  ])("one ending with %s, which ecs-init would trim away", (_, value) => {
    expect(render("A", value)).toThrow(/^cannot render ecs.config key A: its value ends with whitespace$/);
  });
});

describe("renderEcsConfig writes", () => {
  it("keys with spaces inside the value, and values that start with a space", () => {
    expect(renderEcsConfig([{ key: "A", value: "a b" }])).toBe("A=a b\n");
    expect(renderEcsConfig([{ key: "A", value: " b" }])).toBe("A= b\n");
  });

  it("nothing at all for no entries", () => {
    expect(renderEcsConfig([])).toBe("");
  });
});
