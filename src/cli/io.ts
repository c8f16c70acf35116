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

/** Which of the two streams get colour. */
export interface Colour {
  stdout: boolean;
  stderr: boolean;
}

export const NO_COLOUR: Colour = { stdout: false, stderr: false };

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org) or the output
 * is one JSON document. Decided once per process, from what the process was given (CliDeps.isTTY).
 */
export function decideColour(
  env: Record<string, string | undefined>,
  isTTY: Partial<Colour> | undefined,
  json: boolean,
): Colour {
  if (json || (env.NO_COLOR ?? "") !== "") return NO_COLOUR;
  return { stdout: isTTY?.stdout === true, stderr: isTTY?.stderr === true };
}

const ESC = "\u001b[";
const STYLE: Record<string, string> = {
  FAIL: `${ESC}1;31m`,
  error: `${ESC}1;31m`,
  WARN: `${ESC}33m`,
  WARNING: `${ESC}33m`,
  OK: `${ESC}32m`,
  CHANGED: `${ESC}32m`,
  PLAN: `${ESC}36m`,
};
const MARKER = /^( *)(FAIL|WARNING|WARN|OK|CHANGED|PLAN|error)(?=[ :]| \(input\):)/gm;

/** The status markers at the start of lines (FAIL red and bold, WARN yellow, OK/CHANGED green, PLAN cyan). */
export function paint(text: string): string {
  return text.replace(
    MARKER,
    (_all, indent: string, word: string) => `${indent}${STYLE[word]}${word}${ESC}0m`,
  );
}

/**
 * The same sinks, with control characters shown visibly (ESC as \u001b, CR as \r) in whatever they write;
 * then, on a stream that gets colour, the markers painted (after escaping, so only our own codes are real).
 */
export function withEscapedOutput<T extends Sinks>(
  sinks: T,
  colour: Colour = NO_COLOUR,
  widths: Widths = NO_WRAP,
): T {
  const show = (text: string, coloured: boolean, width: number) => {
    const shown = wrapLines(escapeControls(text), width);
    return coloured ? paint(shown) : shown;
  };
  return {
    ...sinks,
    stdout: (text: string) => sinks.stdout(show(text, colour.stdout, widths.stdout)),
    stderr: (text: string) => sinks.stderr(show(text, colour.stderr, widths.stderr)),
  };
}

/** How wide each stream's lines may be; 0: never wrapped (not a terminal, or a JSON document). */
export interface Widths {
  stdout: number;
  stderr: number;
}

export const NO_WRAP: Widths = { stdout: 0, stderr: 0 };

/** Terminal streams wrap at the terminal's width (at least 40 columns); other streams never wrap. */
export function wrapWidths(isTTY: Partial<Colour> | undefined, columns: number | undefined): Widths {
  const width = columns !== undefined && columns > 0 ? Math.max(40, columns) : 0;
  return { stdout: isTTY?.stdout === true ? width : 0, stderr: isTTY?.stderr === true ? width : 0 };
}

/**
 * Lines longer than `width` broken at spaces, each continuation indented two spaces more than its line; a word
 * longer than the width (an ARN, a path) stays whole on a line of its own. `width` 0 leaves the text as it is.
 */
export function wrapLines(text: string, width: number): string {
  if (width <= 0) return text;
  return text
    .split("\n")
    .map((line) => {
      if (line.length <= width) return line;
      const indent = /^ */.exec(line)?.[0] ?? "";
      const more = `${indent}  `;
      const out: string[] = [];
      let current = indent;
      for (const word of line.slice(indent.length).split(" ")) {
        const start = out.length === 0 ? indent : more;
        if (current !== start && current.length + 1 + word.length > width) {
          out.push(current);
          current = more + word;
        } else {
          current = current === start ? start + word : `${current} ${word}`;
        }
      }
      out.push(current);
      return out.join("\n");
    })
    .join("\n");
}

export function printJson(io: Io, document: unknown): void {
  io.out(JSON.stringify(document, null, 2));
}
