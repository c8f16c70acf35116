import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { cli, spawnBundle, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ecsa-setup-more-"));
  const file = join(dir, "config.yaml");
  await writeFile(file, text);
  return file;
}

describe("setup details", () => {
  it("creates roles under the configured path with the configured permissions boundary", async () => {
    // The instance role stays at / (field notes §5.9): a task role shows paths.
    const file = await configFile(
      [
        "instanceRole:",
        "  permissionsBoundary: arn:aws:iam::aws:policy/ReadOnlyAccess",
        "executionRole: { enabled: false }",
        "taskRoles:",
        "  - name: app",
        "    path: /ecs-anywhere/",
        "    s3: [{ bucket: app-data }]",
      ].join("\n"),
    );
    expect((await cli(["setup", "--config", file], ctx.env)).code).toBe(0);
    expect(ctx.emu.state.roles.ECSAnywhereRole?.permissionsBoundaryArn).toBe(
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
    );
    const role = ctx.emu.state.roles.app;
    expect(role?.path).toBe("/ecs-anywhere/");
    expect(role?.arn).toBe("arn:aws:iam::123456789012:role/ecs-anywhere/app");
    expect(ctx.emu.state.roles.ecsTaskExecutionRole).toBeUndefined();

    // An error about that role names its real ARN, path included.
    ctx.emu.deny("iam:PutRolePolicy");
    const changed = await configFile((await readFile(file, "utf8")).replace("app-data", "app-logs"));
    const denied = await cli(["setup", "--config", changed], ctx.env);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      "access denied: iam:PutRolePolicy on arn:aws:iam::123456789012:role/ecs-anywhere/app\n",
    );
  });

  it("refuses an instance role under a path (exit 2): CreateActivation could never use it", async () => {
    const file = await configFile(["instanceRole:", "  path: /ecs-anywhere/"].join("\n"));
    const run = await cli(["setup", "--config", file], ctx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /instanceRole\.path: must be "\/": SSM CreateActivation names the instance role by name only/,
    );
    expect(ctx.emu.calls()).toEqual([]);
  });

  it("re-creates a cluster that was deleted (INACTIVE) and says why", async () => {
    await cli(["setup", "--cluster", "edge"], ctx.env);
    const ecs = new ECSClient({
      region: "eu-west-1",
      endpoint: ctx.emu.url,
      credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    });
    await ecs.send(new DeleteClusterCommand({ cluster: "edge" }));
    const plan = await cli(["setup", "--cluster", "edge", "--dry-run", "--output", "json"], ctx.env);
    expect(JSON.parse(plan.stdout).changes).toEqual([
      expect.objectContaining({
        id: "cluster",
        action: "create",
        reason: "the cluster was deleted (INACTIVE)",
      }),
    ]);
    expect((await cli(["setup", "--cluster", "edge"], ctx.env)).code).toBe(0);
    const clusters = Object.values(ctx.emu.state.clusters).filter(
      (cluster) => cluster.clusterName === "edge",
    );
    expect(clusters.map((cluster) => cluster.status)).toContain("ACTIVE");
  });

  it("uses the named --profile from the shared credentials file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ecsa-profile-"));
    const credentials = join(dir, "credentials");
    await writeFile(
      credentials,
      `[ops]\naws_access_key_id = ${TEST_ACCESS_KEY}\naws_secret_access_key = ${TEST_SECRET_KEY}\n`,
    );
    const run = await spawnBundle(["setup", "--profile", "ops", "--output", "json"], {
      AWS_ENDPOINT_URL: ctx.emu.url,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
      ECS_ANYWHERE_REGION: "eu-west-1",
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(ctx.emu.state.roles.ECSAnywhereRole).toBeDefined();
    const missing = await spawnBundle(["setup", "--profile", "nobody"], {
      AWS_ENDPOINT_URL: ctx.emu.url,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
      ECS_ANYWHERE_REGION: "eu-west-1",
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no AWS credentials found");
  });
});
