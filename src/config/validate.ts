// The config file's validator, which schema.ts builds the schema from: a few typed combinators that check a value
// and produce the output, reporting one issue per thing wrong (validate-issues.ts). Only what schema.ts needs is
// here. Building a schema only keeps its parameters (in small objects and closures), so it costs next to nothing
// at start-up; nothing is compiled from strings. Infer and InferInput give a schema's output and input types.
import { type Context, type ErrorMap, report, ValidationError } from "./validate-issues.ts";
import { isPlainObject } from "./values.ts";

export type ParseResult<O> = { success: true; data: O } | { success: false; error: ValidationError };

/** How a strict object treats its key when the input lacks it: an issue, left out, or the default put in. */
export type Presence = "required" | "optional" | "defaulted";

type NoUndefined<T> = T extends undefined ? never : T;

export abstract class Schema<O, I = O, P extends Presence = "required"> {
  /** The output and input types, for Infer and InferInput; there are no such fields at run time. */
  declare readonly _output: O;
  declare readonly _input: I;
  abstract readonly presence: P;

  /** Checks `value`, reporting what is wrong to `ctx`, and returns the output (meaningless after an issue). */
  abstract run(value: unknown, ctx: Context): unknown;

  /** The schema of what is at `segment` below this one (a key, a list item, a record value), for hints. */
  at(_segment: string | number): AnySchema | undefined {
    return undefined;
  }

  /** The keys a strict object here allows, in order; none for anything else. */
  keys(): string[] {
    return [];
  }

  safeParse(input: unknown, options: { error?: ErrorMap } = {}): ParseResult<O> {
    const ctx: Context = { issues: [], path: [], error: options.error };
    const data = this.run(input, ctx) as O;
    return ctx.issues.length === 0
      ? { success: true, data }
      : { success: false, error: new ValidationError(ctx.issues) };
  }

  /** The output, or throws a ValidationError listing every issue. */
  parse(input: unknown): O {
    const result = this.safeParse(input);
    if (!result.success) throw result.error;
    return result.data;
  }

  /** undefined stays undefined (a strict object leaves the key out). */
  optional(): Schema<O | undefined, I | undefined, "optional"> {
    return new Optional(this);
  }

  /** undefined becomes a copy of `value`, which is not checked. */
  default(value: NoUndefined<O>): Schema<NoUndefined<O>, I | undefined, "defaulted"> {
    return new Default(this, value);
  }

  /** undefined becomes a copy of `value`, which is then checked like any input. */
  prefault(value: I): Schema<NoUndefined<O>, I | undefined, "defaulted"> {
    return new Prefault(this, value) as Schema<NoUndefined<O>, I | undefined, "defaulted">;
  }

  /**
   * `message` when `check` fails; `check` sees only a value nothing else was found wrong with. A type guard
   * narrows the output type.
   */
  refine<T extends O>(check: (value: O) => value is T, message: string): Schema<T, I, P>;
  refine(check: (value: O) => boolean, message: string): Schema<O, I, P>;
  refine(check: (value: O) => boolean, message: string): Schema<O, I, P> {
    return new Refine(this, check, message);
  }

  /** The output of `fn`, which sees only a value nothing was found wrong with; a Failure is an issue. */
  transform<T>(fn: (value: O) => T | Failure): Schema<T, I, P> {
    return new Transform(this, fn);
  }
}

export type AnySchema = Schema<unknown, unknown, Presence>;
export type Infer<S extends AnySchema> = S["_output"];
export type InferInput<S extends AnySchema> = S["_input"];

/** What a transform returns for a value it cannot use: an issue with this message. */
export class Failure {
  constructor(readonly message: string) {}
}

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

class ArraySchema<O, I> extends Schema<O[], I[]> {
  readonly presence = "required";
  constructor(private readonly element: Schema<O, I, Presence>) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (!Array.isArray(value)) {
      report(ctx, { code: "invalid_type", expected: "array", input: value });
      return value;
    }
    const output: unknown[] = [];
    for (let index = 0; index < value.length; index++) {
      ctx.path.push(index);
      output.push(this.element.run(value[index], ctx));
      ctx.path.pop();
    }
    return output;
  }

  override at(): AnySchema {
    return this.element;
  }
}

/** A mapping whose every key passes `key` (else one invalid_key issue for it) and every value `value`. */
class RecordSchema<O, I> extends Schema<Record<string, O>, Record<string, I>> {
  readonly presence = "required";
  constructor(
    private readonly key: Schema<string>,
    private readonly value: Schema<O, I, Presence>,
  ) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (!isPlainObject(value)) {
      report(ctx, { code: "invalid_type", expected: "record", input: value });
      return value;
    }
    const output: Record<string, unknown> = {};
    const path = ctx.path;
    for (const key of Object.keys(value)) {
      // Never copied: assigning it would replace the output's prototype.
      if (key === "__proto__") continue;
      const start = ctx.issues.length;
      ctx.path = [];
      this.key.run(key, ctx);
      ctx.path = path;
      path.push(key);
      if (ctx.issues.length > start) {
        report(ctx, { code: "invalid_key", issues: ctx.issues.splice(start), input: key });
      } else {
        output[key] = this.value.run(value[key], ctx);
      }
      path.pop();
    }
    return output;
  }

  override at(): AnySchema {
    return this.value;
  }
}

type Shape = { readonly [key: string]: AnySchema };
type Flatten<T> = { [K in keyof T]: T[K] } & {};
type ObjectOutput<S extends Shape> = Flatten<
  { [K in keyof S as S[K]["presence"] extends "optional" ? never : K]: S[K]["_output"] } & {
    [K in keyof S as S[K]["presence"] extends "optional" ? K : never]?: S[K]["_output"];
  }
>;
type ObjectInput<S extends Shape> = Flatten<
  { [K in keyof S as S[K]["presence"] extends "required" ? K : never]: S[K]["_input"] } & {
    [K in keyof S as S[K]["presence"] extends "required" ? never : K]?: S[K]["_input"];
  }
>;

/**
 * A mapping with the keys of `shape` and no others: each key the input has is checked and kept, and each it
 * lacks is reported, left out or defaulted by its presence. Other keys are one unrecognized_keys issue, after
 * the issues of the shape's keys.
 */
class StrictObject<S extends Shape> extends Schema<ObjectOutput<S>, ObjectInput<S>> {
  readonly presence = "required";
  constructor(private readonly shape: S) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      report(ctx, { code: "invalid_type", expected: "object", input: value });
      return value;
    }
    const input = value as Record<string, unknown>;
    const output: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(this.shape)) {
      const present = key in input;
      if (!present && schema.presence === "optional") continue;
      ctx.path.push(key);
      const result = schema.run(input[key], ctx);
      ctx.path.pop();
      if (present || schema.presence === "defaulted") output[key] = result;
    }
    const unknownKeys: string[] = [];
    for (const key in input) {
      if (!Object.hasOwn(this.shape, key)) unknownKeys.push(key);
    }
    if (unknownKeys.length > 0) report(ctx, { code: "unrecognized_keys", keys: unknownKeys, input });
    return output;
  }

  override at(segment: string | number): AnySchema | undefined {
    return typeof segment === "string" && Object.hasOwn(this.shape, segment)
      ? this.shape[segment]
      : undefined;
  }

  override keys(): string[] {
    return Object.keys(this.shape);
  }
}

/** The first option the value passes; when it passes none, one issue with `message`. */
class Union<O, I> extends Schema<O, I> {
  readonly presence = "required";
  constructor(
    private readonly options: readonly Schema<O, I, Presence>[],
    private readonly message: string,
  ) {
    super();
  }

  run(value: unknown, ctx: Context): unknown {
    for (const option of this.options) {
      const start = ctx.issues.length;
      const output = option.run(value, ctx);
      if (ctx.issues.length === start) return output;
      ctx.issues.length = start;
    }
    report(ctx, { code: "invalid_union", input: value }, this.message);
    return value;
  }
}

/** A shallow copy of a default, so that no parse hands out an object another parse got. */
function copyOf<T>(value: T): T {
  if (Array.isArray(value)) return [...value] as T;
  return isPlainObject(value) ? ({ ...value } as T) : value;
}

/** A schema around another one, whose keys and children are the inner one's. */
abstract class Wrapper<O, I, P extends Presence, IO, II> extends Schema<O, I, P> {
  constructor(protected readonly inner: Schema<IO, II, Presence>) {
    super();
  }

  override at(segment: string | number): AnySchema | undefined {
    return this.inner.at(segment);
  }

  override keys(): string[] {
    return this.inner.keys();
  }
}

class Optional<O, I> extends Wrapper<O | undefined, I | undefined, "optional", O, I> {
  readonly presence = "optional";
  run(value: unknown, ctx: Context): unknown {
    return value === undefined ? undefined : this.inner.run(value, ctx);
  }
}

class Default<O, I> extends Wrapper<NoUndefined<O>, I | undefined, "defaulted", O, I> {
  readonly presence = "defaulted";
  constructor(
    inner: Schema<O, I, Presence>,
    private readonly value: NoUndefined<O>,
  ) {
    super(inner);
  }

  run(value: unknown, ctx: Context): unknown {
    const output = value === undefined ? undefined : this.inner.run(value, ctx);
    return output === undefined ? copyOf(this.value) : output;
  }
}

class Prefault<O, I> extends Wrapper<O, I | undefined, "defaulted", O, I> {
  readonly presence = "defaulted";
  constructor(
    inner: Schema<O, I, Presence>,
    private readonly value: I,
  ) {
    super(inner);
  }

  run(value: unknown, ctx: Context): unknown {
    return this.inner.run(value === undefined ? copyOf(this.value) : value, ctx);
  }
}

class Refine<O, I, P extends Presence> extends Wrapper<O, I, P, O, I> {
  readonly presence: P;
  constructor(
    inner: Schema<O, I, P>,
    private readonly check: (value: O) => boolean,
    private readonly message: string,
  ) {
    super(inner);
    this.presence = inner.presence;
  }

  run(value: unknown, ctx: Context): unknown {
    const start = ctx.issues.length;
    const output = this.inner.run(value, ctx);
    if (ctx.issues.length === start && !this.check(output as O)) {
      report(ctx, { code: "custom", input: output }, this.message);
    }
    return output;
  }
}

class Transform<T, O, I, P extends Presence> extends Wrapper<T, I, P, O, I> {
  readonly presence: P;
  constructor(
    inner: Schema<O, I, P>,
    private readonly fn: (value: O) => T | Failure,
  ) {
    super(inner);
    this.presence = inner.presence;
  }

  run(value: unknown, ctx: Context): unknown {
    const start = ctx.issues.length;
    const checked = this.inner.run(value, ctx);
    if (ctx.issues.length > start) return undefined;
    const output = this.fn(checked as O);
    if (!(output instanceof Failure)) return output;
    report(ctx, { code: "custom", input: checked }, output.message);
    return undefined;
  }
}

/** `schema` applied to what `fn` makes of the input: any input type, `schema`'s output. */
class Preprocess<O, P extends Presence> extends Wrapper<O, unknown, P, O, unknown> {
  readonly presence: P;
  constructor(
    private readonly fn: (value: unknown) => unknown,
    inner: Schema<O, unknown, P>,
  ) {
    super(inner);
    this.presence = inner.presence;
  }

  run(value: unknown, ctx: Context): unknown {
    return this.inner.run(this.fn(value), ctx);
  }
}

export const string = (): StringSchema => new StringSchema([]);
/** An http or https URL (see httpUrlCheck). */
export const httpUrl = (): StringSchema => new StringSchema([httpUrlCheck]);
export const number = (): NumberSchema => new NumberSchema([]);
export const boolean = (): Schema<boolean> => new BooleanSchema();
export const oneOf = <const T extends string>(values: readonly T[]): Schema<T> => new OneOf(values);
export const array = <O, I, P extends Presence>(element: Schema<O, I, P>): Schema<O[], I[]> =>
  new ArraySchema(element);
export const record = <O, I, P extends Presence>(
  key: Schema<string>,
  value: Schema<O, I, P>,
): Schema<Record<string, O>, Record<string, I>> => new RecordSchema(key, value);
export const strictObject = <S extends Shape>(shape: S): Schema<ObjectOutput<S>, ObjectInput<S>> =>
  new StrictObject(shape);
export const union = <O, I>(options: readonly Schema<O, I, Presence>[], message: string): Schema<O, I> =>
  new Union(options, message);
export const preprocess = <O, P extends Presence>(
  fn: (value: unknown) => unknown,
  schema: Schema<O, unknown, P>,
): Schema<O, unknown, P> => new Preprocess(fn, schema);
