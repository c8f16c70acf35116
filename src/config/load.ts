import { readFileSync } from "node:fs";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { formatDuration } from "../util/duration.ts";
import { envValue, REGION_FALLBACK_ENV, RESERVED_ENV, readEnvSettings } from "./env.ts";
import { ConfigError, clip, MAX_ECHO, oneLine, showValue, suggest } from "./errors.ts";
import { type Config, configSchema } from "./schema.ts";

export { ConfigError } from "./errors.ts";

export const DEFAULT_CONFIG_PATH = "/etc/ecs-anywhere-agent/config.yaml";

/** Command-line flags that set config values. */
export interface FlagValues {
  region: string;
  cluster: string;
  profile: string;
}

export interface FlagBinding {
  /** The flag as the operator types it, used in error messages. */
  readonly flag: string;
  /** Where the value goes in the config file's structure. */
  readonly path: readonly string[];
}

/** Where each flag lands in the config. Adding a field to FlagValues without a row here fails to compile. */
export const FLAG_BINDINGS: { readonly [K in keyof FlagValues]-?: FlagBinding } = {
  region: { flag: "--region", path: ["region"] },
  cluster: { flag: "--cluster", path: ["cluster"] },
  profile: { flag: "--profile", path: ["profile"] },
};

export interface ConfigSources {
  /** The --config flag: this file must exist. */
  file?: string;
  /** Parsed flags; undefined entries are ignored, and so is anything not in FLAG_BINDINGS. */
  flags: Partial<FlagValues>;
  env: Record<string, string | undefined>;
  /** Returns the file's text, or undefined when it does not exist; throws when it cannot be read. */
  readFile?: (path: string) => string | undefined;
  /** Read when present and neither --config nor ECS_ANYWHERE_CONFIG names a file. */
  defaultPath?: string;
}

/**
 * Resolves the configuration: flags > ECS_ANYWHERE_* environment > config file > AWS_REGION /
 * AWS_DEFAULT_REGION (region only) > schema defaults, then validates it with the schema.
 * Throws ConfigError, with a one-line message, on the first problem found.
 */
export function loadConfig(sources: ConfigSources): Config {
  const envSettings = readEnvSettings(sources.env);
  const file = loadFile(sources);
  const raw: Record<string, unknown> = file?.data ?? {};
  const origins = new Map<string, Origin>();
  const put = (path: readonly string[], value: unknown, label: string) => {
    if (place(raw, path, value)) origins.set(path.join("\u0000"), { path, label });
  };

  for (const setting of envSettings) put(setting.path, setting.value, setting.name);
  for (const [name, binding] of Object.entries(FLAG_BINDINGS) as [keyof FlagValues, FlagBinding][]) {
    const value = sources.flags[name];
    if (value !== undefined) put(binding.path, value, binding.flag);
  }
  if (raw.region === undefined) {
    const fallback = REGION_FALLBACK_ENV.find((name) => envValue(sources.env, name) !== undefined);
    if (fallback !== undefined) put(["region"], envValue(sources.env, fallback), fallback);
  }

  const result = configSchema.safeParse(raw, { reportInput: true, error: friendlyMessage });
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (issue === undefined) throw new ConfigError("", "config: invalid configuration");
  throw issueToError(issue, [...origins.values()], file);
}

/** Config paths whose values are secrets; "*" matches any key or list index. None yet. */
export const SECRET_CONFIG_PATHS: readonly (readonly string[])[] = [];
export const SECRET_MASK = "****";

/**
 * The resolved config as `config validate` shows it: plain data that is itself a valid config file
 * (durations are written back as text such as "1h"), with every secret masked.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const described = structuredClone(config) as Record<string, unknown>;
  described.activation = { ...config.activation, expiresIn: formatDuration(config.activation.expiresIn) };
  described.host = {
    ...config.host,
    verifyTimeout: formatDuration(config.host.verifyTimeout),
    installScript: {
      ...config.host.installScript,
      timeout: formatDuration(config.host.installScript.timeout),
    },
  };
  return maskSecrets(described, SECRET_CONFIG_PATHS);
}

/** Replaces the values at `paths` ("*" matching any key or index) with SECRET_MASK; absent values stay absent. */
export function maskSecrets<T>(value: T, paths: readonly (readonly string[])[]): T {
  let result: unknown = value;
  for (const path of paths) result = maskAt(result, path);
  return result as T;
}

function maskAt(value: unknown, path: readonly string[]): unknown {
  if (value === undefined || value === null) return value;
  const [head, ...rest] = path;
  if (head === undefined) return SECRET_MASK;
  if (Array.isArray(value)) {
    return value.map((item, index) => (head === "*" || head === String(index) ? maskAt(item, rest) : item));
  }
  if (typeof value !== "object") return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(copy)) {
    if (head === "*" || head === key) copy[key] = maskAt(copy[key], rest);
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------
// Config file

interface LoadedFile {
  readonly path: string;
  readonly data: Record<string, unknown>;
  readonly doc: Document;
  readonly lines: LineCounter;
}

function chooseFile(sources: ConfigSources): { path: string; label: string; required: boolean } {
  if (sources.file !== undefined) return { path: sources.file, label: "--config", required: true };
  const fromEnv = envValue(sources.env, RESERVED_ENV.configFile);
  if (fromEnv !== undefined) return { path: fromEnv, label: RESERVED_ENV.configFile, required: true };
  const path = sources.defaultPath ?? DEFAULT_CONFIG_PATH;
  return { path, label: path, required: false };
}

function loadFile(sources: ConfigSources): LoadedFile | undefined {
  const { path, label, required } = chooseFile(sources);
  const where = `config file ${clip(path)}`;
  if (path === "") throw new ConfigError(label, `${label}: config file path is empty`);

  let text: string | undefined;
  try {
    text = (sources.readFile ?? readFileIfExists)(path);
  } catch (error) {
    throw new ConfigError(label, `${where}: cannot read it (${readFailure(error)})`, { cause: error });
  }
  if (text === undefined) {
    if (!required) return undefined;
    const via = label === "--config" ? "" : ` (named by ${label})`;
    throw new ConfigError(label, `config file not found: ${clip(path)}${via}`);
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines, uniqueKeys: true });
  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    const { line, col } = lines.linePos(syntaxError.pos[0]);
    const reason =
      syntaxError.code === "MULTIPLE_DOCS"
        ? "holds more than one YAML document (remove the second ---)"
        : clip(syntaxError.message, 200);
    throw new ConfigError(label, `${where}: line ${line}, column ${col}: ${reason}`);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(label, `${where}: ${clip(reason, 200)}`, { cause: error });
  }
  if (data === null || data === undefined) return { path, data: {}, doc, lines }; // empty file or only comments
  if (!isPlainObject(data)) {
    throw new ConfigError(
      label,
      `${where}: the top level must be a mapping of settings (e.g. "cluster: production"), not ${kindOf(data)}`,
    );
  }
  return { path, data, doc, lines };
}

function readFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  if (code !== undefined) return code;
  return clip(error instanceof Error ? error.message : String(error));
}

/** The line of the YAML node at `path` (or of its deepest existing ancestor); of the key when `key` is set. */
function lineOf(file: LoadedFile, path: readonly PropertyKey[], key: boolean): number | undefined {
  let node: unknown = file.doc.contents;
  let found: Node | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(file.doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => String(isScalar(item.key) ? item.key.value : item.key) === segment,
      );
      if (pair === undefined) break;
      found = (key && segment === path.at(-1) ? pair.key : (pair.value ?? pair.key)) as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      found = item as Node;
      node = item;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : file.lines.linePos(offset).line;
}

// ---------------------------------------------------------------------------------------------------------
// Layering

interface Origin {
  readonly path: readonly string[];
  /** The flag or environment variable the value came from. */
  readonly label: string;
}

/**
 * Sets `value` at `path`, creating mappings on the way. When the file put something other than a mapping
 * on the way (say `activation: 5`) nothing is set, so validation reports the file's mistake.
 */
function place(target: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let current = target;
  for (const [index, segment] of path.entries()) {
    if (index === path.length - 1) {
      current[segment] = value;
      return true;
    }
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else if (isPlainObject(next)) {
      current = next;
    } else {
      return false;
    }
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return isPlainObject(value) ? "a mapping" : "an object";
  if (typeof value === "boolean") return "true/false";
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------------
// Issues -> ConfigError

/** Renders ["taskRoles", 0, "name"] as taskRoles[0].name and odd keys as tags["Cost Center"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_][\w-]*$/.test(segment) && segment.length <= 100) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(clip(String(segment)))}]`;
  }
  return text;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

/** Plain-language messages for zod's generic issues; the schema's own messages take precedence over these. */
const friendlyMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return "is required";
      if (issue.expected === "int" && typeof issue.input === "number") {
        return `must be a whole number (got ${showValue(issue.input)})`;
      }
      return `must be ${expected} (got ${kindOf(issue.input)})`;
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = Number(small ? issue.minimum : issue.maximum);
      const bound =
        issue.inclusive === false ? (small ? "more than" : "less than") : small ? "at least" : "at most";
      switch (issue.origin) {
        case "string":
          return small && limit === 1 ? "must not be empty" : `must be ${bound} ${limit} characters`;
        case "array":
          return small && limit === 1 ? "must not be empty" : `must have ${bound} ${limit} entries`;
        case "number":
        case "int":
          return `must be ${bound} ${limit} (got ${showValue(issue.input)})`;
        default:
          return undefined;
      }
    }
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")} (got ${showValue(issue.input)})`;
    default:
      return undefined;
  }
};

function issueToError(issue: z.core.$ZodIssue, origins: readonly Origin[], file: LoadedFile | undefined) {
  let path: PropertyKey[] = issue.path;
  let message = issue.message;
  let atKey = false;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    path = [...issue.path, key];
    atKey = true;
    const known = knownKeys(issue.path);
    const guess = suggest(key, known);
    message = guess
      ? `unknown key (did you mean ${guess}?)`
      : `unknown key (expected one of ${known.join(", ") || "no keys"})`;
  } else if (issue.code === "invalid_key") {
    atKey = true;
    message = `key ${issue.issues[0]?.message ?? "is not allowed"}`;
  }
  // Custom messages may quote the value (e.g. '"x" is not a duration'); keep such quotes short and on one line.
  const input = issue.input;
  if (
    typeof input === "string" &&
    (input.length > MAX_ECHO || oneLine(input) !== input) &&
    message.includes(input)
  ) {
    message = message.replace(`"${input}"`, showValue(input)).replace(input, clip(oneLine(input)));
  }

  const dotted = formatPath(path);
  const origin = origins.find((o) => o.path.every((segment, index) => path[index] === segment));
  if (origin !== undefined) return new ConfigError(dotted, `config: ${dotted}: ${origin.label}: ${message}`);
  const line = file === undefined ? undefined : lineOf(file, path, atKey);
  const where = file === undefined || line === undefined ? "" : ` (${clip(file.path)} line ${line})`;
  return new ConfigError(dotted, `config: ${dotted}: ${message}${where}`);
}

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
}

/** The keys the schema allows in the mapping at `path`, for "did you mean" hints. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  const defOf = (schema: z.core.$ZodType): LooseDef => {
    let def = schema._zod.def as unknown as LooseDef;
    for (;;) {
      const inner = def.type === "pipe" ? def.in : def.innerType;
      if (inner === undefined) return def;
      def = inner._zod.def as unknown as LooseDef;
    }
  };
  let def = defOf(configSchema);
  for (const segment of path) {
    const next =
      def.type === "object"
        ? def.shape?.[String(segment)]
        : def.type === "array"
          ? def.element
          : def.type === "record"
            ? def.valueType
            : undefined;
    if (next === undefined) return [];
    def = defOf(next);
  }
  return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
}
