import { escapeControls } from "../util/escape.ts";
import type { Redactor } from "../util/redact.ts";

export type OutputFormat = "text" | "json";

/**
 * The one door for user-facing output. stdout carries the command's result (text or one JSON document);
 * stderr carries errors, warnings and progress. Everything is scrubbed of known secrets on the way out.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Sinks {
  stdout(text: string): void;
  stderr(text: string): void;
}

export function createIo(sinks: Sinks, redactor: Redactor): Io {
  const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);
  return {
    out: (text) => sinks.stdout(escapeControls(redactor.scrub(line(text)))),
    err: (text) => sinks.stderr(escapeControls(redactor.scrub(line(text)))),
  };
}

/** The same sinks, with control characters shown visibly (ESC as \u001b, CR as \r) in whatever they write. */
export function withEscapedOutput<T extends Sinks>(sinks: T): T {
  return {
    ...sinks,
    stdout: (text: string) => sinks.stdout(escapeControls(text)),
    stderr: (text: string) => sinks.stderr(escapeControls(text)),
  };
}

export function printJson(io: Io, document: unknown): void {
  io.out(JSON.stringify(document, null, 2));
}
