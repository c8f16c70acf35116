// The validator's schemas over other schemas: lists, records, strict objects and unions. Each reports the issues
// of its parts at their paths.
import { type Context, report } from "./validate-issues.ts";
import { type AnySchema, type Presence, Schema } from "./validate-schema.ts";
import { isPlainObject } from "./values.ts";

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
