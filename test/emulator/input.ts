import { EmulatorError } from "./errors.ts";

type Data = Record<string, unknown>;

function isRecord(v: unknown): v is Data {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * Typed access to a decoded request (query params nested by `query.ts`, or a JSON body).
 * Query values are strings; JSON values are typed. Type mismatches raise `code` (the service's validation error).
 */
export class Input {
  readonly data: Data;
  readonly code: string;

  constructor(data: unknown, code: string) {
    this.data = isRecord(data) ? data : {};
    this.code = code;
  }

  fail(message: string): never {
    throw new EmulatorError(this.code, message, 400);
  }

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  str(name: string): string | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(`Value at '${camel(name)}' must be a string`);
    return v;
  }

  reqStr(name: string): string {
    const v = this.str(name);
    if (v === undefined) {
      this.fail(
        `1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return v;
  }

  int(name: string): number | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n))
      this.fail(`Value at '${camel(name)}' must be an integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    return this.fail(`Value at '${camel(name)}' must be a boolean`);
  }

  /** JSON: epoch seconds (number); query: ISO 8601. */
  date(name: string): Date | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    const d = typeof v === "number" ? new Date(v * 1000) : typeof v === "string" ? new Date(v) : undefined;
    if (d === undefined || Number.isNaN(d.getTime()))
      this.fail(`Value at '${camel(name)}' must be a timestamp`);
    return d;
  }

  list(name: string): unknown[] {
    const v = this.data[name];
    if (v === undefined || v === null || v === "") return [];
    if (!Array.isArray(v)) this.fail(`Value at '${camel(name)}' must be a list`);
    return v;
  }

  strList(name: string): string[] {
    return this.list(name).map((v) => {
      if (typeof v !== "string") this.fail(`Values at '${camel(name)}' must be strings`);
      return v;
    });
  }

  objList(name: string): Input[] {
    return this.list(name).map((v) => {
      if (!isRecord(v)) this.fail(`Values at '${camel(name)}' must be structures`);
      return new Input(v, this.code);
    });
  }

  /** Tags as a list of {Key, Value} (or {key, value} with lowerCase = true). */
  tags(name: string, lowerCase = false): Array<[string, string]> {
    const [k, v] = lowerCase ? ["key", "value"] : ["Key", "Value"];
    return this.objList(name).map((t) => [t.reqStr(k), t.str(v) ?? ""]);
  }
}
