import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { readTextFileSync } from "../adapters/host/bounded-read.ts";
import { readFailure } from "../util/files.ts";
import { envValue, RESERVED_ENV } from "./env.ts";
import { ConfigError, clip } from "./errors.ts";
import { isPlainObject, kindOf } from "./values.ts";

export const DEFAULT_CONFIG_PATH = "/etc/ecs-anywhere-agent/config.yaml";

/** The inputs that decide which config file is read, and how. */
export interface ConfigFileSources {
  /** The --config flag: this file must exist. */
  file?: string;
  env: Record<string, string | undefined>;
  /** Returns the file's text, or undefined when it does not exist; throws when it cannot be read. */
  readFile?: (path: string) => string | undefined;
  /** Read when present and neither --config nor ECS_ANYWHERE_CONFIG names a file. */
  defaultPath?: string;
}

export interface LoadedFile {
  readonly path: string;
  readonly data: Record<string, unknown>;
  readonly doc: Document;
  readonly lines: LineCounter;
}

function chooseFile(sources: ConfigFileSources): { path: string; label: string; required: boolean } {
  if (sources.file !== undefined) return { path: sources.file, label: "--config", required: true };
  const fromEnv = envValue(sources.env, RESERVED_ENV.configFile);
  if (fromEnv !== undefined) return { path: fromEnv, label: RESERVED_ENV.configFile, required: true };
  const path = sources.defaultPath ?? DEFAULT_CONFIG_PATH;
  return { path, label: path, required: false };
}

/**
 * The config file a run reads and whether it is there (only the default path may be absent); `--config
 * /dev/null` counts as none. For `config validate`, which names it.
 */
export function configFileUsed(sources: ConfigFileSources): { path: string; label: string; found: boolean } {
  const { path, label } = chooseFile(sources);
  if (path === "/dev/null") return { path, label, found: false };
  let found = true;
  try {
    found = (sources.readFile ?? readTextFileSync)(path) !== undefined;
  } catch {
    // loadFile already reported an unreadable file; here it exists.
  }
  return { path, label, found };
}

export function loadFile(sources: ConfigFileSources): LoadedFile | undefined {
  const { path, label, required } = chooseFile(sources);
  const where = `config file ${clip(path)}`;
  if (path === "") throw new ConfigError(label, `${label}: config file path is empty`);

  let text: string | undefined;
  try {
    // `--config /dev/null` is the usual way to say "no config file"; any other device or FIFO is refused.
    text = path === "/dev/null" ? "" : (sources.readFile ?? readTextFileSync)(path);
  } catch (error) {
    throw new ConfigError(label, `${where}: cannot read it (${clip(readFailure(error))})`, { cause: error });
  }
  if (text === undefined) {
    if (!required) return undefined;
    const via = label === "--config" ? "" : ` (named by ${label})`;
    throw new ConfigError(label, `config file not found: ${clip(path)}${via}`);
  }

  // Not YAML at all (binary, or a file named by mistake such as /etc/shadow): say so without quoting it.
  if (text.includes("\u0000") || text.includes("\uFFFD")) {
    throw new ConfigError(label, `${where}: is not a text file (its content is not shown)`);
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, {
    prettyErrors: false,
    lineCounter: lines,
    uniqueKeys: true,
    logLevel: "error",
  });
  const [syntaxError] = doc.errors;
  if (syntaxError !== undefined) {
    const { line, col } = lines.linePos(syntaxError.pos[0]);
    const reason =
      syntaxError.code === "MULTIPLE_DOCS"
        ? "holds more than one YAML document (remove the second ---)"
        : yamlFailure(syntaxError.message);
    throw new ConfigError(label, `${where}: line ${line}, column ${col}: ${reason}`);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = yamlFailure(error instanceof Error ? error.message : String(error));
    throw new ConfigError(label, `${where}: ${reason}`, { cause: error });
  }
  if (data === null || data === undefined) return { path, data: {}, doc, lines }; // empty file or only comments
  if (!isPlainObject(data)) {
    throw new ConfigError(
      label,
      `${where}: the top level must be a mapping of settings (e.g. "cluster: production"), not ${kindOf(data)}`,
    );
  }
  const odd = Object.keys(data).find((key) => !SETTING_NAME.test(key));
  if (odd !== undefined) {
    const line = lineOf({ path, data, doc, lines }, [odd], true);
    throw new ConfigError(
      label,
      `${where}: ${line === undefined ? "" : `line ${line}: `}a top-level key that is not a setting name ` +
        "(settings are words such as cluster or region); is this the right file? (its content is not shown)",
    );
  }
  return { path, data, doc, lines };
}

/**
 * The YAML library's complaint, bounded; a document nested so deeply that the parser ran out of stack (a few
 * thousand `[` or `{`) is named as such rather than by the engine's "Maximum call stack size exceeded".
 */
function yamlFailure(message: string): string {
  if (/maximum call stack size exceeded/i.test(message)) return "nests too deeply (its content is not shown)";
  return clip(message, 200);
}

/** Every top-level setting is a plain word; anything else means the file is not a config file. */
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The line of the YAML node at `path` (or of its deepest existing ancestor); of the key when `key` is set. */
export function lineOf(file: LoadedFile, path: readonly PropertyKey[], key: boolean): number | undefined {
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
