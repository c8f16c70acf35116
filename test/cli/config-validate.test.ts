import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ecsa-config-validate-"));
}

describe("config validate", () => {
  it("names the file it loaded and warns about nothing when region and cluster are set", async () => {
    const dir = await scratch();
    const file = join(dir, "config.yaml");
    await writeFile(file, "region: eu-west-1\ncluster: edge\n");
    const run = await cli(["config", "validate", "--config", file], {
      AWS_CONFIG_FILE: join(dir, "aws-config"),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n").slice(0, 2)).toEqual([
      "# configuration is valid; resolved (flags > env > file > defaults):",
      `# config file: ${file}`,
    ]);
    const json = await cli(["config", "validate", "--config", file, "--output", "json"], {
      AWS_CONFIG_FILE: join(dir, "aws-config"),
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      file: { path: file, found: true },
      warnings: [],
    });
  });

  it("says that no file was found and where it looked, and warns on no region and cluster default", async () => {
    const dir = await scratch();
    const env = { AWS_CONFIG_FILE: join(dir, "aws-config") };
    const run = await cli(["config", "validate"], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[1]).toBe(
      "# config file: none found (looked for /etc/ecs-anywhere-agent/config.yaml)",
    );
    const warnings = run.stderr.trimEnd().split("\n");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^WARNING: region: not set; looked in --region, ECS_ANYWHERE_REGION, /);
    expect(warnings[1]).toMatch(/^WARNING: cluster: default \(nothing set it/);
    const json = await cli(["config", "validate", "--config", "/dev/null", "--output", "json"], env);
    const document = JSON.parse(json.stdout);
    expect(document.file).toEqual({ path: "/dev/null", label: "--config", found: false });
    expect(document.warnings).toHaveLength(2);
  });
});
