import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";

const COMMANDS = [
  [],
  ["setup"],
  ["check"],
  ["register"],
  ["deregister"],
  ["upgrade"],
  ["activation"],
  ["activation", "create"],
  ["activation", "sweep"],
  ["config"],
  ["config", "validate"],
  ["version"],
  ["support-bundle"],
];

describe("COMMAND --help", () => {
  it("setup --help lists the global flags it accepts, after its own", async () => {
    const run = await cli(["setup", "--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Options:[\s\S]*Global Options:[\s\S]*--region <region>/);
    expect(run.stdout).toContain("--dry-run");
    const register = (await cli(["register", "--help"], {})).stdout;
    expect(register.indexOf("--move")).toBeLessThan(register.indexOf("Global Options:"));
    expect(register.indexOf("--cluster <name>")).toBeGreaterThan(register.indexOf("Global Options:"));
  });

  it.each(COMMANDS.map((path) => [path.join(" ") || "(program)", path]))(
    "%s --help: defaults in plain words and an Examples section",
    async (_name, path) => {
      const run = await cli([...(path as string[]), "--help"], {});
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/default: \[\]|default: false|default: "/);
      expect(run.stdout).toMatch(/\nExamples:\n {2}ecs-anywhere-agent /);
    },
  );

  it("defaults and choices are plain words", async () => {
    const run = await cli(["check", "--help"], { ECS_ANYWHERE_LOG_LEVEL: "info" });
    const text = run.stdout.replace(/\s+/g, " ");
    expect(text).toContain("(one of: fatal, error, warn, info, debug, trace, silent; default: info)");
    expect(text).toContain("(one of: all, docker, distro, none)");
  });

  it("--help after an unknown command is bad input naming it and the known commands", async () => {
    const run = await cli(["nosuch", "--help"], {});
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'error (input): unknown command "nosuch" (commands: setup, check, register, deregister, upgrade, daemon, status, support-bundle, activation, config, version)\n',
    });
    const nested = await cli(["--region", "eu-west-1", "activation", "nosuch", "-h"], {});
    expect(nested.code).toBe(2);
    expect(nested.stderr).toBe(
      'error (input): unknown command "nosuch" of "activation" (commands: create, sweep)\n',
    );
    const viaHelp = await cli(["help", "nosuch"], {});
    expect(viaHelp.code).toBe(2);
    expect(viaHelp.stderr).toContain('unknown command "nosuch"');
    expect((await cli(["help", "register"], {})).stdout).toContain("--activation-file");
  });

  it("--help with JSON output still carries the help (with its examples) in the one document", async () => {
    const run = await cli(["--output", "json", "register", "--help"], {});
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { ok: boolean; help: string };
    expect(document.ok).toBe(true);
    expect(document.help).toContain("Examples:");
    expect(document.help).toContain("--region <region>");
    const unknown = await cli(["--output", "json", "nosuch", "--help"], {});
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, error: { kind: "input" } });
  });

  it("a command-line parse failure uses the same error prefix as every other bad input", async () => {
    const run = await cli(["setup", "--nosuch"], {});
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe("error (input): unknown option '--nosuch'");
  });
});
