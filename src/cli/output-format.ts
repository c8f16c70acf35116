import type { CommanderError } from "commander";
import type { Sinks } from "./io.ts";

// How the CLI picks its output format before (and whether or not) commander parses the command line, so that
// with JSON output even a usage error prints one JSON document.

export const OUTPUT_ENV = "ECS_ANYWHERE_OUTPUT";
export const OUTPUTS = ["text", "json"];

/** Like config/env.ts envValue (not imported: --help and --version load no config module). */
export function envValueOf(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The --output the command line asks for (the last one wins), else ECS_ANYWHERE_OUTPUT, else text. */
export function requestedOutput(argv: readonly string[], fromEnv: string | undefined): string {
  let output = fromEnv ?? "text";
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") break;
    if (arg === "--output" && index + 1 < argv.length) output = argv[++index] as string;
    else if (arg.startsWith("--output=")) output = arg.slice("--output=".length);
  }
  return output;
}

export function usageMessage(error: CommanderError): string {
  if (error.code === "commander.help") return "no command given (run with --help for the commands)";
  return error.message.replace(/^error: /, "");
}

export function printJson(deps: Pick<Sinks, "stdout">, document: unknown): void {
  deps.stdout(`${JSON.stringify(document, null, 2)}\n`);
}
