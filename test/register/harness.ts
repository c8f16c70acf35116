import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fakeClock } from "../../src/util/clock.ts";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator, EmulatorOptions } from "../emulator/types.ts";
import { createFakeHost, type FakeHost, INSTALL_SCRIPT_PATH } from "../fixtures/host.ts";
import { type InstallScriptServer, startInstallScriptServer } from "../fixtures/install-server.ts";
import { generateTestKey, type TestKey } from "../install/gpg-keys.ts";
import { type CliResult, cli, emulatorEnv } from "../support/cli.ts";

export const CLUSTER = "edge";
export const REGION = "eu-west-1";

let sharedKey: Promise<TestKey> | undefined;
/** One throwaway signing key per test file (key generation takes a moment). */
export function signingKey(): Promise<TestKey> {
  sharedKey ??= generateTestKey("Amazon ECS (test)");
  return sharedKey;
}

export interface World {
  emu: Emulator;
  host: FakeHost;
  server: InstallScriptServer;
  key: TestKey;
  keyFile: string;
  /** The environment an operator's shell would have: the emulator, its credentials, the fake host's PATH. */
  env: Record<string, string>;
  register(args?: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  agent(args: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  scriptRuns(): number;
  stop(): Promise<void>;
}

export async function startWorld(
  options: { emulator?: EmulatorOptions; script?: string; hostEnv?: Record<string, string> } = {},
): Promise<World> {
  const emu = await startEmulator(options.emulator);
  const host = await createFakeHost({
    emulatorUrl: emu.url,
    ...(options.hostEnv ? { env: options.hostEnv } : {}),
  });
  const key = await signingKey();
  const script = options.script ?? (await readFile(INSTALL_SCRIPT_PATH, "utf8"));
  const server = await startInstallScriptServer({
    script: Buffer.from(script),
    signature: Buffer.from(await key.sign(script)),
    publicKey: key.publicKey,
  });
  const keyFile = join(host.root, "..", `${host.root.split("/").pop()}-key.asc`);
  await writeFile(keyFile, key.publicKey);
  const env = { ...emulatorEnv(emu.url), ...host.env };
  const agent = (args: string[], extraEnv: Record<string, string | undefined> = {}) =>
    cli(
      [...args, "--root", host.root, "--ecs-agent-url", host.introspectionUrl],
      { ...env, ...extraEnv },
      {
        clock: fakeClock(new Date()),
        host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
      },
    );
  return {
    emu,
    host,
    server,
    key,
    keyFile,
    env,
    agent,
    register: (args = [], extraEnv = {}) =>
      agent(
        [
          "register",
          "--cluster",
          CLUSTER,
          "--install-script-url",
          server.url,
          "--gpg-key-file",
          keyFile,
          "--gpg-fingerprint",
          key.fingerprint,
          ...args,
        ],
        extraEnv,
      ),
    scriptRuns: () => host.installScriptRuns().length,
    async stop() {
      await server.stop();
      await host.cleanup();
      await emu.stop();
    },
  };
}
