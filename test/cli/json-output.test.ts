import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { cli } from "../support/cli.ts";

/** The whole of stdout must be one JSON document. */
function document(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

const QUIET = { ECS_ANYWHERE_CONFIG: "/dev/null", ECS_ANYWHERE_REGION: "eu-west-1" };

describe("--output json prints one JSON document on stdout for every run", () => {
  it.each([
    ["an unknown command", ["--output", "json", "bogus"], "unknown command 'bogus'"],
    ["an unknown option", ["config", "validate", "--output", "json", "--bogus"], "unknown option '--bogus'"],
    [
      "an option without its argument",
      ["--output", "json", "config", "validate", "--region"],
      "argument missing",
    ],
    ["no command at all", ["--output", "json"], "no command given"],
    ["a group without its command", ["activation", "--output=json"], "no command given"],
    [
      "a bad --log-level",
      ["config", "validate", "--output", "json", "--log-level", "loud"],
      "'loud' is invalid",
    ],
  ])("%s: exit 2 and {ok: false, error: {kind: input}}", async (_, argv, message) => {
    const run = await cli(argv, QUIET);
    expect(run.code).toBe(2);
    const json = document(run.stdout);
    expect(json).toMatchObject({ ok: false, error: { kind: "input" } });
    expect((json.error as { message: string }).message).toContain(message);
  });

  it("a bad ECS_ANYWHERE_LOG_LEVEL: exit 2 and the error as JSON", async () => {
    const run = await cli(["config", "validate", "--output", "json"], {
      ...QUIET,
      ECS_ANYWHERE_LOG_LEVEL: "loud",
    });
    expect(run.code).toBe(2);
    expect(document(run.stdout)).toMatchObject({ ok: false, error: { kind: "input" } });
    expect(run.stderr).toContain("ECS_ANYWHERE_LOG_LEVEL): must be one of fatal, error, warn, info, debug");
  });

  it.each([
    ["the version command", ["version", "--output", "json"]],
    ["--version", ["--output", "json", "--version"]],
  ])("%s: exit 0 and {ok: true, version}", async (_, argv) => {
    const run = await cli(argv, {});
    expect(run.code).toBe(0);
    expect(document(run.stdout)).toEqual({ ok: true, version: packageJson.version });
  });

  it("--help: exit 0 and the help text inside the document", async () => {
    const run = await cli(["--output", "json", "--help"], {});
    expect(run.code).toBe(0);
    expect(document(run.stdout)).toMatchObject({ ok: true, help: expect.stringContaining("Usage:") });
  });

  it("text output stays text", async () => {
    expect((await cli(["version"], {})).stdout).toBe(`${packageJson.version}\n`);
    const run = await cli(["bogus"], {});
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toContain("unknown command 'bogus'");
  });
});

describe("ECS_ANYWHERE_OUTPUT is the default of --output", () => {
  it("json makes every run print JSON, a usage error included", async () => {
    const env = { ...QUIET, ECS_ANYWHERE_OUTPUT: "json" };
    expect(document((await cli(["config", "validate"], env)).stdout)).toMatchObject({ valid: true });
    expect(document((await cli(["version"], env)).stdout)).toEqual({
      ok: true,
      version: packageJson.version,
    });
    const bad = await cli(["--bogus"], env);
    expect(bad.code).toBe(2);
    expect(document(bad.stdout)).toMatchObject({ ok: false, error: { kind: "input" } });
  });

  it("--output text overrides it, and an empty value counts as unset", async () => {
    const text = await cli(["config", "validate", "--output", "text"], {
      ...QUIET,
      ECS_ANYWHERE_OUTPUT: "json",
    });
    expect(text.stdout).toMatch(/^# configuration is valid/);
    const empty = await cli(["config", "validate"], { ...QUIET, ECS_ANYWHERE_OUTPUT: "" });
    expect(empty.stdout).toMatch(/^# configuration is valid/);
  });

  it("a value other than text or json is bad input (exit 2) naming the variable", async () => {
    const run = await cli(["config", "validate"], { ...QUIET, ECS_ANYWHERE_OUTPUT: "yaml" });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error (input): ECS_ANYWHERE_OUTPUT: must be text or json, not "yaml"\n');
  });
});
