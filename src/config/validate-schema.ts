// The validator's core: Schema, which every check derives from, with the parse entry (safeParse, parse), and the
// schemas around one other schema: those its methods make (optional, default, prefault, refine, transform) and
// preprocess. Infer and InferInput give a schema's output and input types.
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

export const preprocess = <O, P extends Presence>(
  fn: (value: unknown) => unknown,
  schema: Schema<O, unknown, P>,
): Schema<O, unknown, P> => new Preprocess(fn, schema);
