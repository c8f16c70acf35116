import { isSecretKey, KEY_PATTERN, parseEcsConfig, secretOf } from "../../ecsconfig/index.ts";
import { MASK, type Redactor } from "../../util/redact.ts";

// Not named like a credential, but it says whose: masked in a bundle as AWS's collector masks it (field notes §10.15).
const ALSO_MASKED: ReadonlySet<string> = new Set(["AWS_ACCESS_KEY_ID"]);
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]+@/gi;

/** `text` with the userinfo (user and password) of every URL in it masked: http://****@proxy:3128. */
export function maskUserinfo(text: string): string {
  return text.replace(USERINFO, `$1${MASK}@`);
}

/**
 * An ecs.config for a support bundle: every setting's KEY kept; the value masked whole when the key may hold a
 * secret (ECS_ENGINE_AUTH_DATA, AWS keys, *_PASSWORD, ...), else with the userinfo of any URL in it masked
 * (HTTP_PROXY=http://user:password@proxy). AWS's collector allowlists HTTP_PROXY and leaks its password (field
 * notes §10.15). Lines that are not settings (comments, stray text) are not shown, only counted by line number.
 */
export function redactEcsConfig(text: string): string {
  return text
    .split("\n")
    .map((line, index) => {
      const trimmed = line.trim();
      if (trimmed === "") return "";
      const equals = trimmed.indexOf("=");
      const key = equals < 0 ? "" : trimmed.slice(0, equals).trim();
      if (!KEY_PATTERN.test(key)) return `# (line ${index + 1}: not a setting, not shown)`;
      const value = trimmed.slice(equals + 1);
      const masked = isSecretKey(key) || ALSO_MASKED.has(key.toUpperCase()) ? MASK : maskUserinfo(value);
      return `${trimmed.slice(0, equals)}=${masked}`;
    })
    .join("\n");
}

/**
 * Teaches the redactor the secrets a host file holds, so that the same value is masked wherever else it shows
 * up (a journal line, a log) even in a shape no pattern knows.
 */
export function learnSecrets(redactor: Redactor, file: string, text: string): void {
  if (/ecs\.config$/.test(file)) {
    for (const [key, value] of parseEcsConfig(text).values) {
      redactor.add(secretOf(key.trim(), value.trim()));
      // ECS_ENGINE_AUTH_DATA's passwords alone, too: a log may show one without the document around it.
      const document = parseJson(value);
      if (document !== undefined) learnFromJson(redactor, document);
    }
    return;
  }
  const document = parseJson(text);
  if (document !== undefined) {
    learnFromJson(redactor, document);
    return;
  }
  // KEY = value (INI credentials, Environment= drop-ins, KEY=value files).
  for (const match of text.matchAll(/([A-Za-z0-9_.-]+)\s*[=:]\s*["']?([^\s"']+)/g)) {
    const [, key = "", value = ""] = match;
    redactor.add(secretOf(key, value));
    if (CREDENTIAL_KEY.test(key)) redactor.add(value);
  }
}

const CREDENTIAL_KEY = /(secret_?access_?key|session_?token|private_?key|activation_?code)$|^auth$/i;

function learnFromJson(redactor: Redactor, value: unknown, key = ""): void {
  if (typeof value === "string") {
    redactor.add(secretOf(key, value));
    if (CREDENTIAL_KEY.test(key)) redactor.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) learnFromJson(redactor, item, key);
  } else if (value !== null && typeof value === "object") {
    for (const [name, item] of Object.entries(value)) learnFromJson(redactor, item, name);
  }
}

function parseJson(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
