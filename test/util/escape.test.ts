import { describe, expect, it } from "vitest";
import { escapeControls, withoutStackFrames } from "../../src/util/escape.ts";

describe("escapeControls", () => {
  it.each([
    ["ESC", "a\u001b[31mb", "a\\u001b[31mb"],
    ["CR", "50%\r100%", "50%\\r100%"],
    ["NUL and BEL", "\u0000\u0007", "\\u0000\\u0007"],
    ["vertical tab and form feed", "\u000b\u000c", "\\u000b\\u000c"],
    ["DEL", "x\u007f", "x\\u007f"],
    ["a C1 control (CSI)", "\u009b2J", "\\u009b2J"],
    ["the last C1 control", "\u009f", "\\u009f"],
  ])("shows %s visibly", (_, text, shown) => {
    expect(escapeControls(text)).toBe(shown);
  });

  it.each([
    ["newlines and tabs", "a\tb\nc\n"],
    ["printable text", "edge ~ é € 🙂"],
    ["the first character after the C1 range", "\u00a0"],
    ["already escaped text", "a\\u001b[31mb"],
  ])("keeps %s", (_, text) => {
    expect(escapeControls(text)).toBe(text);
  });
});

describe("withoutStackFrames", () => {
  it("cuts the frames of a stack trace off a text", () => {
    expect(withoutStackFrames(String(new TypeError("boom").stack))).toBe("TypeError: boom");
    expect(withoutStackFrames("config: 2 problems:\n  region: bad\n  at line 3: bad")).toBe(
      "config: 2 problems:\n  region: bad\n  at line 3: bad",
    );
  });

  it("keeps lines that only mention the word", () => {
    expect(withoutStackFrames("look at this\nand at that")).toBe("look at this\nand at that");
  });
});
