import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunCommand, RunOptions } from "../../src/adapters/host/exec.ts";
import { createApp } from "../../src/app/app.ts";
import { buildHost } from "../../src/app/host-build.ts";
import { runInstallScript } from "../../src/components/install-script/run.ts";
import { fakeClock } from "../support/clock.ts";

// The agent's own credentials and the activation code must reach no child process (the install script, the
// SSM agent, systemctl, package managers): credentials in their environment would shadow the SSM-vended ones.
const SECRETS = {
  AWS_ACCESS_KEY_ID: "AKIAPLANTEDCHILDENV0",
  AWS_SECRET_ACCESS_KEY: "planted-secret-key-for-child-env-0123456789",
  AWS_SESSION_TOKEN: "planted-session-token-for-child-env-0123456789",
  AWS_PROFILE: "operator",
  ECS_ANYWHERE_ACTIVATION_CODE: "PlantedActivationCodeForChildEnv0",
  AWS_SECURITY_TOKEN: "planted-security-token-for-child-env-0123",
  AWS_CONTAINER_AUTHORIZATION_TOKEN: "planted-container-auth-token-0123",
  AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:9911/creds",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/planted",
  AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/secrets/token",
  AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/planted",
  AWS_ENDPOINT_URL: "http://127.0.0.1:1",
  GITHUB_TOKEN: "planted-unrelated-token-0123",
  VAULT_PASSWORD: "planted-vault-password-0123",
  SOMETHING_NOBODY_LISTED: "x",
};

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ecsa-child-env-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function hostWithCapturingRun(extraEnv: Record<string, string> = {}) {
  const seen: RunOptions["env"][] = [];
  const run: RunCommand = async (_cmd, _args, options) => {
    seen.push(options.env);
    return { command: "bash", exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 1 };
  };
  const app = createApp(
    {
      env: { ...SECRETS, PATH: "/usr/bin:/bin", ECS_ANYWHERE_REGION: "eu-west-1", ...extraEnv },
      clock: fakeClock(new Date("2025-01-01T00:00:00Z")),
      stdout: () => undefined,
      stderr: () => undefined,
      host: { run },
    },
    { output: "text", logLevel: "silent", config: "/dev/null" },
  );
  const { host } = await buildHost(app, { root });
  return { host, seen, config: app.config() };
}

describe("child processes get the operator's environment minus credentials and secrets", () => {
  it("the install script, as register runs it", async () => {
    const { host, seen, config } = await hostWithCapturingRun();
    await runInstallScript(
      Buffer.from("#!/bin/bash\necho verified\n"),
      { region: "eu-west-1", cluster: "edge", host: config.host },
      { ...host, timeoutMs: 1000 },
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ PATH: "/usr/bin:/bin" });
    for (const name of Object.keys(SECRETS)) expect(seen[0]).not.toHaveProperty(name);
  });

  it("whatever a caller passes explicitly", async () => {
    const { host, seen } = await hostWithCapturingRun();
    expect(host.env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
    await host.run("apt-get", ["remove"], {
      timeoutMs: 1000,
      redactor: host.redactor,
      env: { ...SECRETS, DEBIAN_FRONTEND: "noninteractive" },
    });
    expect(seen[0]).toMatchObject({ PATH: "/usr/bin:/bin", DEBIAN_FRONTEND: "noninteractive" });
    for (const name of Object.keys(SECRETS)) expect(seen[0]).not.toHaveProperty(name);
  });
});

describe("child processes inherit an allow-list of the operator's environment", () => {
  it("passes PATH, HOME, locale, proxies and CA bundles, and nothing it was not told of", async () => {
    const kept = {
      HOME: "/root",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "169.254.169.254,169.254.170.2",
      SSL_CERT_FILE: "/etc/ssl/certs/ca.pem",
    };
    const { host, seen } = await hostWithCapturingRun(kept);
    await host.run("true", [], { timeoutMs: 1000, redactor: host.redactor });
    expect(seen[0]).toEqual({ PATH: "/usr/bin:/bin", ...kept });
  });

  it("adds what ECS_ANYWHERE_PASS_ENV names, by name or NAME_* prefix, but never a credential", async () => {
    const { host, seen } = await hostWithCapturingRun({
      ECS_ANYWHERE_PASS_ENV: "MIRROR_HOST, SITE_* AWS_*",
      MIRROR_HOST: "mirror.internal",
      SITE_NAME: "berlin",
      SITE_TOKEN: "planted-site-token-0123",
    });
    await host.run("true", [], { timeoutMs: 1000, redactor: host.redactor });
    expect(seen[0]).toEqual({ PATH: "/usr/bin:/bin", MIRROR_HOST: "mirror.internal", SITE_NAME: "berlin" });
  });
});

describe("ECS_ANYWHERE_PASS_ENV", () => {
  it.each([
    ["a credential by name", "AWS_ACCESS_KEY_ID", "is never passed to child processes"],
    ["the activation code", "ECS_ANYWHERE_ACTIVATION_CODE", "is never passed to child processes"],
    ["a name like a secret's", "DB_PASSWORD", "is never passed to child processes"],
    ["something that is not a name", "A=B", "is not a variable name or a NAME_* prefix"],
    ["a wildcard inside a name", "A*B", "is not a variable name or a NAME_* prefix"],
  ])("refuses %s as bad input (exit 2)", async (_, value, message) => {
    const { cli } = await import("../support/cli.ts");
    const run = await cli(["check", "--root", root, "--skip", "root"], {
      ECS_ANYWHERE_REGION: "eu-west-1",
      ECS_ANYWHERE_PASS_ENV: value,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ECS_ANYWHERE_PASS_ENV: `);
    expect(run.stderr).toContain(message);
  });
});
