import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decideColour, paint, withEscapedOutput } from "../../src/cli/io.ts";
import { cli } from "../support/cli.ts";

const TTY = { isTTY: { stdout: true, stderr: true } };
const RED_BOLD_FAIL = "\u001b[1;31mFAIL\u001b[0m";
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes
const ESCAPE = /\u001b/;

/** A `check` that fails (an empty host root is no ECS Anywhere host) without touching the network. */
async function failingCheck(env: Record<string, string>, overrides = {}) {
  const root = await mkdtemp(join(tmpdir(), "ecsa-colour-"));
  const skip = "endpoints,clock-skew,credentials,proxy,existing-registration,signing-key,gpg,docker,tools";
  return cli(["check", "--region", "eu-west-1", "--root", root, "--skip", skip], env, overrides);
}

describe("colour", () => {
  it("a forced TTY without NO_COLOR paints FAIL red and bold (and the error prefix)", async () => {
    const run = await failingCheck({}, TTY);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${RED_BOLD_FAIL} `);
    const bad = await cli(["register", "--script-timeout", "soon"], {}, TTY);
    expect(bad.code).toBe(2);
    expect(bad.stderr.startsWith("\u001b[1;31merror\u001b[0m (input): ")).toBe(true);
  });

  it("NO_COLOR=1 on a forced TTY: no escape code at all", async () => {
    const run = await failingCheck({ NO_COLOR: "1" }, TTY);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL /m);
    expect(run.stdout + run.stderr).not.toMatch(ESCAPE);
  });

  it("not a TTY: no escape code", async () => {
    const run = await failingCheck({});
    expect(run.stdout).toMatch(/^FAIL /m);
    expect(run.stdout + run.stderr).not.toMatch(ESCAPE);
    const onlyStderr = await failingCheck({}, { isTTY: { stderr: true } });
    expect(onlyStderr.stdout).not.toMatch(ESCAPE);
  });

  it("JSON output is never painted, even on a TTY", async () => {
    const run = await cli(["--output", "json", "check", "--root", "/nonexistent-root"], {}, TTY);
    expect(run.stdout + run.stderr).not.toMatch(ESCAPE);
  });

  it("an escape code from data stays escaped; only our own markers are painted", () => {
    let written = "";
    const sinks = withEscapedOutput(
      { stdout: (text: string) => (written += text), stderr: () => undefined },
      { stdout: true, stderr: false },
    );
    sinks.stdout("FAIL cluster: edge\u001b[2J is missing\n");
    expect(written).toBe(`${RED_BOLD_FAIL} cluster: edge\\u001b[2J is missing\n`);
  });
});

describe("decideColour and paint", () => {
  it("colour needs a terminal and no NO_COLOR (any non-empty value) and text output", () => {
    expect(decideColour({}, { stdout: true, stderr: false }, false)).toEqual({ stdout: true, stderr: false });
    expect(decideColour({ NO_COLOR: "0" }, { stdout: true, stderr: true }, false)).toEqual({
      stdout: false,
      stderr: false,
    });
    expect(decideColour({ NO_COLOR: "" }, { stdout: true }, false).stdout).toBe(true);
    expect(decideColour({}, { stdout: true }, true).stdout).toBe(false);
    expect(decideColour({}, undefined, false)).toEqual({ stdout: false, stderr: false });
  });

  it("paints the markers at the start of lines: FAIL red bold, WARN yellow, OK and CHANGED green, PLAN cyan", () => {
    expect(paint("  FAIL a: b\nWARN c: d\nOK e: f\n  CHANGED g: h\nPLAN i: j\nSKIP k: l\n")).toBe(
      [
        "  \u001b[1;31mFAIL\u001b[0m a: b",
        "\u001b[33mWARN\u001b[0m c: d",
        "\u001b[32mOK\u001b[0m e: f",
        "  \u001b[32mCHANGED\u001b[0m g: h",
        "\u001b[36mPLAN\u001b[0m i: j",
        "SKIP k: l",
        "",
      ].join("\n"),
    );
    expect(paint("the step said OK and FAIL\nOKAY\n")).toBe("the step said OK and FAIL\nOKAY\n");
  });
});
