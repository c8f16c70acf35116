import pino from "pino";
import { escapeControls, withoutStackFrames } from "./escape.ts";
import { LOG_LEVELS, type LogLevel } from "./log-levels.ts";
import type { Redactor } from "./redact.ts";

/** One log call: fields (or an Error) and a fixed message, or just the message. */
export interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

/** The logging the agent does: pino's calls it uses, nothing else (so that pino is loaded only when needed). */
export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  isLevelEnabled(level: LogLevel): boolean;
  /** A logger adding `bindings` to every line, at `options.level` when given (else this logger's level). */
  child(bindings: Record<string, unknown>, options?: { level?: LogLevel }): Logger;
}

/**
 * Structured logs (a fixed message plus fields) to the given sink, which is stderr in production:
 * stdout belongs to the command's output. Every line passes through the redactor before it is written, and
 * shows no control characters. An error in any field is logged as its one-line message; its stack trace only
 * at the debug and trace levels. Each line carries its level by name.
 *
 * The pino logger is made on the first line at an enabled level: most runs of a one-shot command such as `status`
 * log nothing, and in the bundle, which runs pino's code only then (scripts/bundle-options.mjs), loading pino and
 * the worker-thread and assert modules it loads is a fifth of a bare node's start-up (field notes §9.10).
 */
export function createLogger(level: LogLevel, redactor: Redactor, sink: (line: string) => void): Logger {
  const withStacks = level === "debug" || level === "trace";
  const make = () =>
    pino(
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
      // pino writes each line with one synchronous write() call.
      { write: (line: string) => sink(escapeControls(redactor.scrub(line))) },
    );
  // Each LazyLogger makes its pino logger once: the root's with `make`, a child's from its parent's.
  return new LazyLogger(level, make);
}

/** The rank of each level: a line is written when its rank is at least the logger's ("silent" writes none). */
const RANK: Record<LogLevel, number> = Object.fromEntries(
  LOG_LEVELS.map((name, i) => [name, name === "silent" ? Number.POSITIVE_INFINITY : LOG_LEVELS.length - i]),
) as Record<LogLevel, number>;

/** A logger whose pino logger (and its parent's) is made on its first line at an enabled level. */
class LazyLogger implements Logger {
  #real: pino.Logger | undefined;

  constructor(
    private readonly level: LogLevel,
    private readonly make: () => pino.Logger,
  ) {}

  isLevelEnabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  /** As pino's: the bindings as they are now (a copy; pino serializes them at once). */
  child(bindings: Record<string, unknown>, options?: { level?: LogLevel }): Logger {
    const level = options?.level ?? this.level;
    const fixed = { ...bindings };
    return new LazyLogger(level, () => this.#pino().child(fixed, { level }));
  }

  fatal: LogFn = (fields: object | string, message?: string) => this.#write("fatal", fields, message);
  error: LogFn = (fields: object | string, message?: string) => this.#write("error", fields, message);
  warn: LogFn = (fields: object | string, message?: string) => this.#write("warn", fields, message);
  info: LogFn = (fields: object | string, message?: string) => this.#write("info", fields, message);
  debug: LogFn = (fields: object | string, message?: string) => this.#write("debug", fields, message);
  trace: LogFn = (fields: object | string, message?: string) => this.#write("trace", fields, message);

  #pino(): pino.Logger {
    this.#real ??= this.make();
    return this.#real;
  }

  #write(level: Exclude<LogLevel, "silent">, fields: object | string, message?: string): void {
    if (!this.isLevelEnabled(level)) return;
    if (typeof fields === "string") this.#pino()[level](fields);
    else this.#pino()[level](fields, message);
  }
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
