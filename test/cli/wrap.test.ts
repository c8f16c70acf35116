// Text on a terminal is wrapped to its width; anything else (a pipe, a file, one JSON document) never is.
import { describe, expect, it } from "vitest";
import { wrapLines, wrapWidths } from "../../src/cli/io.ts";
import { cli } from "../support/cli.ts";

describe("wrapLines", () => {
  it.each([
    ["a short line stays", "OK setup: done", 20, "OK setup: done"],
    [
      "breaks at spaces, continuation indented two more",
      "one two three four five",
      10,
      "one two\n  three\n  four\n  five",
    ],
    ["keeps the line's own indent", "  fix: run setup again now", 14, "  fix: run\n    setup\n    again now"],
    [
      "a word longer than the width stays whole",
      "role arn:aws:iam::123456789012:role/X ok",
      12,
      "role\n  arn:aws:iam::123456789012:role/X\n  ok",
    ],
    ["each line on its own", "aaa bbb\nccc ddd", 5, "aaa\n  bbb\nccc\n  ddd"],
    ["width 0 never wraps", "one two three four five", 0, "one two three four five"],
    ["a trailing newline stays", "one two three\n", 8, "one two\n  three\n"],
  ])("%s", (_name, text, width, expected) => {
    expect(wrapLines(text, width)).toBe(expected);
  });
});

describe("wrapWidths", () => {
  it("wraps terminal streams at their width (at least 40), never other streams", () => {
    expect(wrapWidths({ stdout: true, stderr: false }, 100)).toEqual({ stdout: 100, stderr: 0 });
    expect(wrapWidths({ stdout: true, stderr: true }, 20)).toEqual({ stdout: 40, stderr: 40 });
    expect(wrapWidths({ stdout: true }, undefined)).toEqual({ stdout: 0, stderr: 0 });
    expect(wrapWidths(undefined, 100)).toEqual({ stdout: 0, stderr: 0 });
  });
});

describe("the CLI on a terminal", () => {
  const env = { ECS_ANYWHERE_REGION: "eu-west-1", NO_COLOR: "1" };
  it("wraps long lines of text output to the terminal's width", async () => {
    const run = await cli(["config", "validate"], env, {
      isTTY: { stdout: true, stderr: true },
      columns: 40,
    });
    expect(run.code).toBe(0);
    // Only a single word longer than the width (a URL, a fingerprint) may stay longer.
    const long = run.stdout.split("\n").filter((line) => line.length > 40 && line.trimStart().includes(" "));
    expect(long).toEqual([]);
    const wide = await cli(["config", "validate"], env, {
      isTTY: { stdout: false, stderr: false },
      columns: 40,
    });
    expect(wide.stdout.split("\n").some((line) => line.length > 40)).toBe(true);
  });

  it("never wraps a JSON document", async () => {
    const run = await cli(["config", "validate", "--output", "json"], env, {
      isTTY: { stdout: true, stderr: true },
      columns: 40,
    });
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stdout.split("\n").some((line) => line.length > 40)).toBe(true);
  });
});
