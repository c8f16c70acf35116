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
};

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ecsa-child-env-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function hostWithCapturingRun() {
  const seen: RunOptions["env"][] = [];
  const run: RunCommand = async (_cmd, _args, options) => {
    seen.push(options.env);
    return { command: "bash", exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 1 };
  };
  const app = createApp(
    {
      env: { ...SECRETS, PATH: "/usr/bin:/bin", ECS_ANYWHERE_REGION: "eu-west-1" },
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
