import { Writable } from "node:stream";
import pino from "pino";
import type { LogLevel } from "./log-levels.ts";
import type { Redactor } from "./redact.ts";

export type Logger = pino.Logger;

/**
 * Structured logs (a fixed message plus fields) to the given sink, which is stderr in production:
 * stdout belongs to the command's output. Every line passes through the redactor before it is written.
 */
export function createLogger(level: LogLevel, redactor: Redactor, sink: (line: string) => void): Logger {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      sink(redactor.scrub(chunk.toString()));
      done();
    },
  });
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}
