// The validator's leaf schemas: strings (with length, pattern and URL checks), numbers, booleans and one of a few
// strings.
import { type Context, report } from "./validate-issues.ts";
import { Schema } from "./validate-schema.ts";

/** Checks on a string, in order; each may report an issue and returns the value the next one sees. */
type StringCheck = (value: string, ctx: Context) => string;

/** Length in code points (a surrogate pair is one), as an operator counts characters. */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

class StringSchema extends Schema<string> {
  readonly presence = "required";
  constructor(private readonly checks: readonly StringCheck[]) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (typeof value !== "string") {
      report(ctx, { code: "invalid_type", expected: "string", input: value });
      return value;
    }
    let text = value;
    for (const check of this.checks) text = check(text, ctx);
    return text;
  }

  /** At least `length` characters (code points). */
  min(length: number, message?: string): StringSchema {
    return this.with((text, ctx) => {
      // Fewer units than `length` is too short either way; twice as many is long enough either way.
      if (text.length < length || (text.length < 2 * length && codePoints(text) < length)) {
        report(ctx, { code: "too_small", origin: "string", minimum: length, input: text }, message);
      }
      return text;
    });
  }

  /** At most `length` characters (code points). */
  max(length: number, message?: string): StringSchema {
    return this.with((text, ctx) => {
      if (text.length > length && codePoints(text) > length) {
        report(ctx, { code: "too_big", origin: "string", maximum: length, input: text }, message);
      }
      return text;
    });
  }

  regex(pattern: RegExp, message?: string): StringSchema {
    return this.with((text, ctx) => {
      pattern.lastIndex = 0;
      if (!pattern.test(text)) report(ctx, { code: "invalid_format", format: "regex", input: text }, message);
      return text;
    });
  }

  private with(check: StringCheck): StringSchema {
    return new StringSchema([...this.checks, check]);
  }
}

/**
 * An http or https URL with "//" after the scheme (so not "http:host"), which the URL parser accepts; the
 * output is the text trimmed, without the tabs and line breaks the parser would ignore.
 */
const httpUrlCheck: StringCheck = (text, ctx) => {
  const trimmed = text.trim();
  if (!/^https?:\/\//i.test(trimmed) || !URL.canParse(trimmed)) {
    report(ctx, { code: "invalid_format", format: "url", input: text });
    return text;
  }
  return trimmed.replace(/[\t\n\r]/g, "");
};

/** Checks on a number, in order; false stops the ones after it. */
type NumberCheck = (value: number, ctx: Context) => boolean;

class NumberSchema extends Schema<number> {
  readonly presence = "required";
  constructor(private readonly checks: readonly NumberCheck[]) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      report(ctx, { code: "invalid_type", expected: "number", input: value });
      return value;
    }
    for (const check of this.checks) if (!check(value, ctx)) break;
    return value;
  }

  /** A whole number, within the safe integer range. */
  int(): NumberSchema {
    return this.with((value, ctx) => {
      if (!Number.isInteger(value)) {
        report(ctx, { code: "invalid_type", expected: "int", input: value });
        return false;
      }
      if (value > Number.MAX_SAFE_INTEGER) {
        report(ctx, { code: "too_big", origin: "int", maximum: Number.MAX_SAFE_INTEGER, input: value });
      } else if (value < Number.MIN_SAFE_INTEGER) {
        report(ctx, { code: "too_small", origin: "int", minimum: Number.MIN_SAFE_INTEGER, input: value });
      }
      return true;
    });
  }

  min(minimum: number): NumberSchema {
    return this.with((value, ctx) => {
      if (value < minimum) report(ctx, { code: "too_small", origin: "number", minimum, input: value });
      return true;
    });
  }

  max(maximum: number): NumberSchema {
    return this.with((value, ctx) => {
      if (value > maximum) report(ctx, { code: "too_big", origin: "number", maximum, input: value });
      return true;
    });
  }

  private with(check: NumberCheck): NumberSchema {
    return new NumberSchema([...this.checks, check]);
  }
}

class BooleanSchema extends Schema<boolean> {
  readonly presence = "required";
  run(value: unknown, ctx: Context): unknown {
    if (typeof value !== "boolean") report(ctx, { code: "invalid_type", expected: "boolean", input: value });
    return value;
  }
}

class OneOf<T extends string> extends Schema<T> {
  readonly presence = "required";
  constructor(private readonly values: readonly T[]) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (!this.values.includes(value as T)) {
      report(ctx, { code: "invalid_value", values: this.values, input: value });
    }
    return value;
  }
}

export const string = (): StringSchema => new StringSchema([]);
/** An http or https URL (see httpUrlCheck). */
export const httpUrl = (): StringSchema => new StringSchema([httpUrlCheck]);
export const number = (): NumberSchema => new NumberSchema([]);
export const boolean = (): Schema<boolean> => new BooleanSchema();
export const oneOf = <const T extends string>(values: readonly T[]): Schema<T> => new OneOf(values);
