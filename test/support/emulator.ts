import { afterEach, beforeEach } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator, EmulatorOptions } from "../emulator/types.ts";
import { emulatorEnv } from "./cli.ts";

/** The current test's emulator and the environment that points the CLI at it (see emulatorEnv). */
export interface EmulatorContext {
  readonly emu: Emulator;
  readonly env: Record<string, string>;
}

/**
 * A fresh emulator for every test of the calling file: started in beforeEach, stopped in afterEach. Read
 * `emu` and `env` inside tests and hooks (they change from test to test).
 */
export function useEmulator(options: EmulatorOptions = {}): EmulatorContext {
  let current: { emu: Emulator; env: Record<string, string> } | undefined;
  beforeEach(async () => {
    const emu = await startEmulator(options);
    current = { emu, env: emulatorEnv(emu.url) };
  });
  afterEach(async () => {
    await current?.emu.stop();
    current = undefined;
  });
  const get = () => {
    if (current === undefined) throw new Error("useEmulator: read emu/env inside a test or hook");
    return current;
  };
  return {
    get emu() {
      return get().emu;
    },
    get env() {
      return get().env;
    },
  };
}
