import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { cli, emulatorEnv } from "../support/cli.ts";

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "ecsa-bad-"));
});
afterAll(() => emu.stop());

async function configFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

// Each case: argv, extra env, file content (when the case needs one), and what the message must name.
const cases: [string, () => Promise<{ argv: string[]; env?: Record<string, string> }>, RegExp][] = [
  ["bad region", async () => ({ argv: ["setup", "--region", "Mars-1"] }), /region.*not an AWS region/],
  [
    "cluster name characters",
    async () => ({ argv: ["setup", "--cluster", "my cluster!"] }),
    /cluster.*letters, digits/,
  ],
  [
    "role name too long",
    async () => ({ argv: ["setup"], env: { ECS_ANYWHERE_INSTANCE_ROLE_NAME: "r".repeat(65) } }),
    /instanceRole\.name.*64/,
  ],
  [
    "expiry over 30 days",
    async () => ({ argv: ["activation", "create", "--expires-in", "31d"] }),
    /--expires-in.*30d/,
  ],
  [
    "expiry not a duration",
    async () => ({ argv: ["activation", "create", "--expires-in", "soon"] }),
    /--expires-in.*not a duration/,
  ],
  [
    "registration limit 0",
    async () => ({ argv: ["activation", "create", "--registration-limit", "0"] }),
    /--registration-limit/,
  ],
  [
    "registration limit 1001",
    async () => ({ argv: ["activation", "create", "--registration-limit", "1001"] }),
    /--registration-limit/,
  ],
  [
    "limit 0 in the config file",
    async () => ({
      argv: ["setup", "--config", await configFile("limit.yaml", "activation:\n  registrationLimit: 0\n")],
    }),
    /activation\.registrationLimit/,
  ],
  [
    "unknown config key",
    async () => ({ argv: ["setup", "--config", await configFile("unknown.yaml", "clustr: edge\n")] }),
    /clustr.*unknown key/,
  ],
  [
    "unknown nested key",
    async () => ({
      argv: ["setup", "--config", await configFile("nested.yaml", "instanceRole:\n  permision: managed\n")],
    }),
    /instanceRole\.permision/,
  ],
  [
    "wrong type",
    async () => ({
      argv: ["setup", "--config", await configFile("type.yaml", "activation:\n  registrationLimit: lots\n")],
    }),
    /activation\.registrationLimit/,
  ],
  [
    "malformed YAML",
    async () => ({ argv: ["setup", "--config", await configFile("broken.yaml", "cluster: [edge\n")] }),
    /line \d+/,
  ],
  [
    "missing config file",
    async () => ({ argv: ["setup", "--config", join(dir, "absent.yaml")] }),
    /not found/,
  ],
  [
    "malformed secret ARN",
    async () => ({
      argv: [
        "setup",
        "--config",
        await configFile(
          "arn.yaml",
          "executionRole:\n  registryCredentialSecrets: [arn:aws:s3:::not-a-secret]\n",
        ),
      ],
    }),
    /executionRole\.registryCredentialSecrets\[0\]/,
  ],
  [
    "malformed KMS key ARN",
    async () => ({
      argv: ["setup", "--config", await configFile("kms.yaml", "executionRole:\n  kmsKeys: [alias/mine]\n")],
    }),
    /executionRole\.kmsKeys\[0\]/,
  ],
  [
    "bad S3 access",
    async () => ({
      argv: [
        "setup",
        "--config",
        await configFile(
          "s3.yaml",
          "taskRoles:\n  - name: t\n    s3: [{ bucket: my-bucket, access: admin }]\n",
        ),
      ],
    }),
    /taskRoles\[0\]\.s3\[0\]\.access/,
  ],
  [
    "bad permissions mode",
    async () => ({ argv: ["setup"], env: { ECS_ANYWHERE_INSTANCE_ROLE_PERMISSIONS: "all" } }),
    /instanceRole\.permissions/,
  ],
  [
    "unknown ECS_ANYWHERE_ variable",
    async () => ({ argv: ["setup"], env: { ECS_ANYWHERE_CLUSTR: "edge" } }),
    /ECS_ANYWHERE_CLUSTR/,
  ],
  ["bad --output", async () => ({ argv: ["setup", "--output", "yaml"] }), /--output|yaml/],
  ["unknown flag", async () => ({ argv: ["setup", "--frobnicate"] }), /unknown option/],
  ["bad tag", async () => ({ argv: ["activation", "create", "--tag", "novalue"] }), /--tag/],
  [
    "no region anywhere",
    async () => ({ argv: ["setup"], env: { ECS_ANYWHERE_REGION: "" } }),
    /region: not set/,
  ],
  ["bad --max-attempts", async () => ({ argv: ["setup", "--max-attempts", "0"] }), /--max-attempts/],
  [
    "raw @ in a proxy password (only the part before it would be masked)",
    async () => ({
      argv: [
        "config",
        "validate",
        "--config",
        await configFile("at.yaml", `proxy:\n  https: http://u:${SECRET}@x@proxy:3128\n`),
      ],
    }),
    /proxy\.https: has an @ in its user or password: URL-encode it as %40/,
  ],
  [
    "a password in a mirror URL (plans and errors print it)",
    async () => ({
      argv: ["upgrade", "--dry-run", "--ecs-source", `https://u:${SECRET}@mirror.example/ecs`],
    }),
    /--ecs-source: must not carry a user or password/,
  ],
];

/** Planted in the two cases above: never echoed. */
const SECRET = "s3cret-Passw0rd-77";

describe("bad input exits 2 with a one-line message naming the field, and calls nothing", () => {
  it.each(cases)("%s", async (_name, arrange, names) => {
    const { argv, env = {} } = await arrange();
    emu.clearCalls();
    const run = await cli(argv, emulatorEnv(emu.url, env));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(names);
    expect(run.stderr.trim().split("\n")[0]).toMatch(/^error/);
    expect(emu.calls()).toEqual([]);
    expect(run.stderr).not.toContain(SECRET);
  });
});
