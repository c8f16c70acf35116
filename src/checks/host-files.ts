import type { HostFs } from "../adapters/host/fs.ts";

/** One environment variable as some host file sets it. The value is for comparisons, never for printing. */
export interface EnvAssignment {
  name: string;
  value: string;
  /** The host path that set it. */
  file: string;
}

export type EnvMap = Map<string, EnvAssignment>;

/**
 * The environment a unit's drop-ins give it (`/etc/systemd/system/UNIT.service.d/*.conf`, lexical order):
 * `Environment=` assignments (an empty one resets the list) and the files named by `EnvironmentFile=`.
 */
export async function readUnitEnvironment(fs: HostFs, unit: string): Promise<EnvMap> {
  const dir = `/etc/systemd/system/${unit}.service.d`;
  let env: EnvMap = new Map();
  for (const entry of (await fs.list(dir)).filter((name) => name.endsWith(".conf"))) {
    const file = `${dir}/${entry}`;
    for (const line of ((await fs.readText(file)) ?? "").split("\n")) {
      const match = /^\s*(Environment|EnvironmentFile)\s*=\s*(.*?)\s*$/.exec(line);
      if (match === null) continue;
      const [, key, rest = ""] = match;
      if (key === "Environment" && rest === "") env = new Map();
      else if (key === "Environment") {
        for (const word of systemdWords(rest)) addAssignment(env, word, file);
      } else {
        const named = rest.replace(/^-/, "");
        if (named.startsWith("/")) for (const item of await readEnvFile(fs, named)) env.set(item.name, item);
      }
    }
  }
  return env;
}

/** A KEY=VALUE file such as /etc/environment: `#` comments, optional `export `, optional quotes. */
export async function readEnvFile(fs: HostFs, hostPath: string): Promise<EnvAssignment[]> {
  const text = await fs.readText(hostPath);
  if (text === undefined) return [];
  const found: EnvMap = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    addAssignment(found, line, hostPath);
  }
  return [...found.values()];
}

function addAssignment(env: EnvMap, word: string, file: string): void {
  const equals = word.indexOf("=");
  if (equals <= 0) return;
  const name = word.slice(0, equals).trim();
  env.set(name, { name, value: unquote(word.slice(equals + 1).trim()), file });
}

/** Splits a systemd `Environment=` value into words, honouring double and single quotes. */
export function systemdWords(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote !== undefined) {
      if (char === "\\" && i + 1 < text.length) current += text[++i];
      else if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

function unquote(value: string): string {
  const first = value[0];
  const quoted = value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first);
  return quoted ? value.slice(1, -1) : value;
}
