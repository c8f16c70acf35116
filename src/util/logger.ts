import { Writable } from "node:stream";
import pino from "pino";
import { escapeControls, withoutStackFrames } from "./escape.ts";
import type { LogLevel } from "./log-levels.ts";
import type { Redactor } from "./redact.ts";

export type Logger = pino.Logger;

/**
 * Structured logs (a fixed message plus fields) to the given sink, which is stderr in production:
 * stdout belongs to the command's output. Every line passes through the redactor before it is written, and
 * shows no control characters. An error in any field is logged as its one-line message; its stack trace only
 * at the debug and trace levels. Each line carries its level by name.
 */
export function createLogger(level: LogLevel, redactor: Redactor, sink: (line: string) => void): Logger {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      sink(escapeControls(redactor.scrub(chunk.toString())));
      done();
    },
  });
  const withStacks = level === "debug" || level === "trace";
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names ("level":"info"), not pino's numbers: readable, and what log shippers match on.
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => withoutStacks(fields, withStacks),
      },
    },
    stream,
  );
}

/** Errors as their message (plus the stack when `withStacks`); stack text in strings cut off below debug. */
function withoutStacks(fields: Record<string, unknown>, withStacks: boolean): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      shown[name] = withStacks ? { message: value.message, stack: value.stack } : firstLine(value.message);
    } else if (typeof value === "string" && !withStacks) {
      shown[name] = withoutStackFrames(value);
    } else {
      shown[name] = value;
    }
  }
  return shown;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
