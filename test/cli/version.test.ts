import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { cli, spawnBundle } from "../support/cli.ts";

describe("version and help", () => {
  it("the bundle prints the package version with a node shebang", async () => {
    const bundle = await readFile("dist/ecs-anywhere-agent.mjs", "utf8");
    expect(bundle.startsWith("#!/usr/bin/env node\n")).toBe(true);
    const run = await spawnBundle(["--version"], {});
    expect(run).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    expect((await spawnBundle(["version"], {})).stdout).toBe(`${packageJson.version}\n`);
  });

  it("--help lists every command and exits 0", async () => {
    const run = await cli(["--help"], {});
    expect(run.code).toBe(0);
    for (const command of ["setup", "activation", "config", "check", "register", "deregister", "version"]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    expect(run.stdout).toContain("--log-level <level>");
    const sub = await cli(["activation", "create", "--help"], {});
    expect(sub.stdout).toContain("--expires-in");
  });

  it("--version and --help load no AWS SDK, logger or config module", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ecsa-trace-"));
    for (const flag of ["--version", "--help"]) {
      const file = join(dir, `${flag.slice(2)}.txt`);
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", "--import", "./test/support/trace-imports.mjs", "src/bin.ts", flag],
        { env: { ...process.env, TRACE_IMPORTS_FILE: file }, encoding: "utf8" },
      );
      expect(run.status).toBe(0);
      const loaded = await readFile(file, "utf8");
      expect(loaded).toContain("src/cli/main.ts"); // the tracer works
      expect(loaded).not.toMatch(/@aws-sdk|@smithy|pino|yaml|src\/config\//);
    }
  });

  it("with no command it shows usage and exits 2", async () => {
    const run = await cli([], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage:");
  });
});
