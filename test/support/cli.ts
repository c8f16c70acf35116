import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CliDeps } from "../../src/cli/context.ts";
import { runCli } from "../../src/cli/main.ts";
import { type Clock, systemClock } from "../../src/util/clock.ts";

export const TEST_ACCESS_KEY = "AKIAEMULATOR0000TEST";
export const TEST_SECRET_KEY = "emulator-secret-key-0000000000000000000000";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a test run of the CLI sees: the emulator endpoint and its credentials, nothing else. */
export function emulatorEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY,
    ECS_ANYWHERE_REGION: "eu-west-1",
    ...extra,
  };
}

/** Runs the CLI in-process through the composition root's door, capturing both streams. */
export async function cli(
  argv: string[],
  env: Record<string, string | undefined>,
  overrides: Partial<CliDeps> & { clock?: Clock } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    env,
    clock: systemClock,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...overrides,
  });
  return { code, stdout, stderr };
}

export interface SpawnOptions {
  /** The bundle's entry (default dist/ecs-anywhere-agent.mjs): a copy elsewhere, say. */
  bundle?: string;
  /** Options for node itself, before the bundle (--disallow-code-generation-from-strings, --import). */
  nodeArgs?: string[];
  cwd?: string;
}

/** Runs the built bundle as a real process (the way operators and systemd run it). */
export function spawnBundle(
  argv: string[],
  env: Record<string, string | undefined>,
  { bundle = "dist/ecs-anywhere-agent.mjs", nodeArgs = [], cwd }: SpawnOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bundle, ...argv], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Runs the CLI from source as a real process (`node --import tsx src/bin.ts` in the repository), the way
 * `spawnBundle` runs the bundle: no build needed.
 */
export function spawnSource(argv: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return spawnBundle(argv, env, {
    bundle: "src/bin.ts",
    nodeArgs: ["--import", "tsx"],
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
}
