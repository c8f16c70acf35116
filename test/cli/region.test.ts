import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();
let dir: string;
let awsConfig: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-region-"));
  awsConfig = join(dir, "config");
  await writeFile(awsConfig, "[default]\noutput = json\n\n[profile ops]\nregion = eu-central-1\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The emulator's environment without any region variable. */
const withoutRegion = (extra: Record<string, string>) => {
  const { ECS_ANYWHERE_REGION: _region, ...env } = ctx.env;
  return { ...env, ...extra };
};

describe("the region", () => {
  it("comes from the --profile's region in the AWS config file", async () => {
    const run = await cli(
      ["setup", "--dry-run", "--output", "json"],
      withoutRegion({ AWS_CONFIG_FILE: awsConfig, AWS_PROFILE: "ops" }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).region).toBe("eu-central-1");
  });

  it("when set nowhere, the error lists every place looked and the fix (exit 2, no call)", async () => {
    const run = await cli(["setup"], withoutRegion({ AWS_CONFIG_FILE: awsConfig }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error (input): region: not set; looked in --region, ECS_ANYWHERE_REGION, region: in the config file, AWS_REGION, AWS_DEFAULT_REGION, the region of profile default in ${awsConfig}\n` +
        `  fix: pass --region (e.g. --region eu-west-1), set ECS_ANYWHERE_REGION, or add region = ... to [default] in ${awsConfig}\n`,
    );
    expect(ctx.emu.calls()).toEqual([]);
  });

  it("that no partition has gets 'did you mean' and exit 2 before any call", async () => {
    const run = await cli(["setup", "--region", "eu-wset-1", "--output", "json"], ctx.env);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error).toMatchObject({
      kind: "input",
      message:
        "region: eu-wset-1 is not a region of the aws, aws-cn or aws-us-gov partitions; did you mean eu-west-1?",
      remediation: expect.stringContaining("--region"),
    });
    expect(ctx.emu.calls()).toEqual([]);
  });
});
