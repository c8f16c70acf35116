import { startEmulator } from "./index.ts";
import type { EmulatorOptions } from "./types.ts";

/**
 * CLI: `npx tsx test/emulator/main.ts [--port N] [--account-id ID] [--page-size N] [--propagation-delay-ms N]
 * [--agent-connect-delay-ms N]`.
 * Prints one JSON line {"url": ...} on stdout when ready; stops on SIGTERM or SIGINT.
 */

function parseArgs(argv: string[]): EmulatorOptions {
  const out: EmulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
    if (flag === "--port") out.port = Number.parseInt(value, 10);
    else if (flag === "--account-id") out.accountId = value;
    else if (flag === "--page-size") out.pageSize = Number.parseInt(value, 10);
    else if (flag === "--propagation-delay-ms") out.propagationDelayMs = Number.parseInt(value, 10);
    else if (flag === "--agent-connect-delay-ms") out.agentConnectDelayMs = Number.parseInt(value, 10);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  if (out.port !== undefined && !(out.port >= 0 && out.port <= 65535))
    throw new Error("--port must be 0-65535");
  return out;
}

async function main(): Promise<void> {
  const emulator = await startEmulator(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: emulator.url })}\n`);
  const stop = (): void => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
