import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { cli, emulatorEnv } from "../support/cli.ts";

const PLANTED_CODE = "PLANTEDactivationCODE0123456789";
const PLANTED_SECRET = "PLANTEDsecretACCESSkey0123456789abcdefgh";
let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ credentials: { AKIAPLANTED000000000: PLANTED_SECRET } });
});
afterEach(() => emu.stop());

it("a planted activation code and secret key appear in no log line, error or plan output", async () => {
  const env = emulatorEnv(emu.url, {
    AWS_ACCESS_KEY_ID: "AKIAPLANTED000000000",
    AWS_SECRET_ACCESS_KEY: PLANTED_SECRET,
    ECS_ANYWHERE_ACTIVATION_CODE: PLANTED_CODE,
  });
  const dir = await mkdtemp(join(tmpdir(), "ecsa-secret-"));
  const outputs: string[] = [];
  const run = async (argv: string[], extra: Record<string, string> = {}) => {
    const result = await cli([...argv, "--log-level", "trace"], { ...env, ...extra });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  await run(["setup", "--dry-run"]);
  await run(["setup"]);
  await run(["setup", "--output", "json"]);
  emu.setNextActivationCode(PLANTED_CODE);
  expect((await run(["activation", "create", "--out", join(dir, "a.json")])).code).toBe(0);
  await run(["activation", "sweep", "--dry-run"]);
  await run(["config", "validate"]);
  emu.deny("iam:GetRole");
  expect((await run(["setup"])).code).toBe(1);
  // A bad secret key makes the SDK fail signing: the error must not echo it.
  expect((await run(["setup"], { AWS_SECRET_ACCESS_KEY: `${PLANTED_SECRET}x` })).code).toBe(1);

  const everything = outputs.join("\n");
  expect(everything.length).toBeGreaterThan(500); // trace logs and plans were produced
  expect(everything).not.toContain(PLANTED_CODE);
  expect(everything).not.toContain(PLANTED_SECRET);
  expect(await readFile(join(dir, "a.json"), "utf8")).toContain(PLANTED_CODE);
});

it("config validate masks registry credentials configured as ecs.config keys", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ecsa-secret-"));
  const file = join(dir, "config.yaml");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    file,
    'ecsConfig:\n  ECS_ENGINE_AUTH_TYPE: dockercfg\n  ECS_ENGINE_AUTH_DATA: \'{"registry":{"auth":"PLANTEDregistryAUTH0123"}}\'\n',
  );
  for (const output of ["text", "json"]) {
    const run = await cli(["config", "validate", "--config", file, "--output", output], {
      ECS_ANYWHERE_REGION: "eu-west-1",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("ECS_ENGINE_AUTH_TYPE");
    expect(run.stdout).toContain("****");
    expect(run.stdout + run.stderr).not.toContain("PLANTEDregistryAUTH0123");
  }
});

it("config validate masks every ecs.config secret by the key's meaning, and URL passwords", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ecsa-secret-"));
  const file = join(dir, "config.yaml");
  const planted = {
    AWS_SECRET_ACCESS_KEY: "PLANTEDsecretKEY0123456789",
    AWS_SESSION_TOKEN: "PLANTEDsessionTOKEN0123456789",
    db_password: "PLANTEDdbPASSWORD0123",
    REGISTRY_CREDENTIALS: "PLANTEDregistryCREDS0123",
  };
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    file,
    [
      "host:",
      "  installScript:",
      "    url: https://mirror:PLANTEDmirrorPASS0123@mirror.internal/install.sh",
      "ecsConfig:",
      "  HTTP_PROXY: http://user:PLANTEDproxyPASS0123@proxy.internal:3128",
      ...Object.entries(planted).map(([key, value]) => `  ${key}: ${value}`),
      "",
    ].join("\n"),
  );
  for (const output of ["text", "json"]) {
    const run = await cli(["config", "validate", "--config", file, "--output", output], {
      ECS_ANYWHERE_REGION: "eu-west-1",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("http://user:****@proxy.internal:3128");
    expect(run.stdout).toContain("https://mirror:****@mirror.internal/install.sh");
    for (const key of Object.keys(planted)) expect(run.stdout).toContain(key);
    const everything = run.stdout + run.stderr;
    for (const secret of [...Object.values(planted), "PLANTEDproxyPASS0123", "PLANTEDmirrorPASS0123"]) {
      expect(everything).not.toContain(secret);
    }
  }
});

it("config validate refuses an ecs.config value with white space around it (exit 2), without showing it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ecsa-secret-"));
  const file = join(dir, "config.yaml");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    file,
    'ecsConfig:\n  ECS_CONTAINER_STOP_TIMEOUT: " 30m"\n  AWS_SESSION_TOKEN: "PLANTEDsessionTOKEN0123 "\n',
  );
  const run = await cli(["config", "validate", "--config", file], { ECS_ANYWHERE_REGION: "eu-west-1" });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("ecsConfig.ECS_CONTAINER_STOP_TIMEOUT");
  expect(run.stderr).toContain("must not begin or end with white space");
  expect(run.stderr).toContain("ecsConfig.AWS_SESSION_TOKEN");
  expect(run.stdout + run.stderr).not.toContain("PLANTEDsessionTOKEN0123");
});
