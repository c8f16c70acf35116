// deploy/cloud-init/user-data.yaml, checked by the Debian cloud-init package's own schema check (field notes §10.17),
// plus what the schema cannot know: the embedded config is one the agent accepts, the activation has the shape of
// `activation create --out`'s file, Node is the pin of Dockerfile.dev, and registering is queued, never run from
// inside cloud-init (field notes §6.10).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import packageJson from "../../package.json" with { type: "json" };
import { startEmulator } from "../emulator/index.ts";
import { cli, emulatorEnv } from "../support/cli.ts";

const FILE = "deploy/cloud-init/user-data.yaml";
const text = readFileSync(FILE, "utf8");
const haveCloudInit = spawnSync("cloud-init", ["--version"], { stdio: "ignore" }).status === 0;
const unavailable = haveCloudInit
  ? undefined
  : "cloud-init is not installed (Debian package cloud-init; .ci/run installs it)";
const haveShellcheck = spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;

interface WriteFile {
  path: string;
  owner?: string;
  permissions?: unknown;
  content: string;
}
const userData = parse(text) as { write_files: WriteFile[]; runcmd: unknown[]; packages: string[] };
const written = (path: string): WriteFile => {
  const found = userData.write_files.find((item) => item.path === path);
  if (found === undefined) throw new Error(`${FILE} writes no ${path}`);
  return found;
};
const runcmd = userData.runcmd.map(String).join("\n");

const dir = mkdtempSync(join(tmpdir(), "cloud-init-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function schema(file: string) {
  return spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
}

describe("cloud-init schema", () => {
  it("accepts the example", ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const checked = schema(FILE);
    expect(checked.stderr).toBe("");
    expect(checked.status).toBe(0);
    expect(checked.stdout.trim()).toBe(`Valid cloud-config: ${FILE}`);
  });

  it("refuses it with an unquoted permission (YAML's number 384), so the check above can fail", ({
    skip,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const broken = join(dir, "unquoted.yaml");
    writeFileSync(broken, text.replace('permissions: "0600"', "permissions: 0600"));
    const checked = schema(broken);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toMatch(
      /Cloud config schema errors: write_files\.0\.permissions: 384 is not of type 'string'/,
    );
  });
});

describe("what the example writes and runs", () => {
  it("starts with #cloud-config and writes the config and the activation root-only, permissions as strings", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    for (const path of ["/etc/ecs-anywhere-agent/config.yaml", "/etc/ecs-anywhere-agent/activation.json"]) {
      expect(written(path)).toMatchObject({ owner: "root:root", permissions: "0600" });
    }
  });

  it("embeds a config that `config validate` accepts, region and cluster set (no warning)", async () => {
    const file = join(dir, "config.yaml");
    writeFileSync(file, written("/etc/ecs-anywhere-agent/config.yaml").content);
    const validated = await cli(["config", "validate", "--config", file, "--output", "json"], {});
    expect(validated.stderr).toBe("");
    expect(validated.code).toBe(0);
    const report = JSON.parse(validated.stdout);
    expect(report).toMatchObject({ valid: true, warnings: [], file: { path: file, found: true } });
    expect(report.config).toMatchObject({ region: "eu-west-1", cluster: "edge" });
  });

  it("embeds an activation with exactly the fields `activation create --out` writes", async () => {
    const emu = await startEmulator({ clusters: [{ name: "edge", region: "eu-west-1" }] });
    try {
      const env = emulatorEnv(emu.url);
      const setup = await cli(["setup", "--cluster", "edge"], env);
      expect(setup.code, setup.stderr).toBe(0);
      const out = join(dir, "activation.json");
      const created = await cli(["activation", "create", "--out", out], env);
      expect(created.code, created.stderr).toBe(0);
      const real = JSON.parse(readFileSync(out, "utf8"));
      const example = JSON.parse(written("/etc/ecs-anywhere-agent/activation.json").content);
      expect(Object.keys(example)).toEqual(Object.keys(real));
      expect(example.region).toBe(parse(written("/etc/ecs-anywhere-agent/config.yaml").content).region);
    } finally {
      await emu.stop();
    }
  });

  it("installs Node.js with the version and SHA-256 pins of Dockerfile.dev, checked before unpacking", () => {
    const dockerfile = readFileSync("Dockerfile.dev", "utf8");
    const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];
    expect(runcmd).toContain(`node_version=${arg("NODE_VERSION")}\n`);
    expect(runcmd).toContain(`x86_64) arch=x64; node_sha256=${arg("NODE_SHA256_X64")} ;;`);
    expect(runcmd).toContain(`aarch64) arch=arm64; node_sha256=${arg("NODE_SHA256_ARM64")} ;;`);
    expect(runcmd.indexOf("sha256sum --check --strict")).toBeLessThan(runcmd.indexOf("tar -xJf"));
    expect(userData.packages).toEqual(expect.arrayContaining(["curl", "xz-utils"]));
  });

  it("verifies the release, installs it, and queues the register unit instead of registering from cloud-init", () => {
    const release = runcmd.indexOf('echo "$release_sha256');
    expect(release).toBeGreaterThan(0);
    expect(runcmd.indexOf('tar -xzf "$work/release.tgz"')).toBeGreaterThan(release);
    // The release tarball (npm pack output) ships its installer, which checks the SHA-256 once more.
    expect(packageJson.files).toContain("scripts/install.sh");
    expect(runcmd).toContain(
      'bash "$work/package/scripts/install.sh" --release "$work/release.tgz" --sha256 "$release_sha256"\n',
    );
    expect(runcmd).toMatch(/^systemctl enable ecs-anywhere-register\.service$/m);
    expect(runcmd).toMatch(
      /^systemctl start --no-block ecs-anywhere-register\.service ecs-anywhere-agent\.service$/m,
    );
    expect(runcmd).not.toMatch(/ecs-anywhere-agent register\b/);
    // The unit reads the file the example writes.
    expect(readFileSync("systemd/ecs-anywhere-register.service", "utf8")).toContain(
      "--activation-file /etc/ecs-anywhere-agent/activation.json",
    );
  });

  it("runs a script sh parses (and shellcheck accepts, when installed)", ({ skip }) => {
    const parsed = spawnSync("sh", ["-n"], { input: runcmd, encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
    skip(!haveShellcheck, "shellcheck is not installed");
    const checked = spawnSync("shellcheck", ["-s", "sh", "-"], { input: runcmd, encoding: "utf8" });
    expect(checked.stdout).toBe("");
    expect(checked.status).toBe(0);
  });
});
