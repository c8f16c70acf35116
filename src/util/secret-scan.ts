import { MASK, type Redactor } from "./redact.ts";

/** One kind of secret found by its shape, and how its secret part is masked. */
interface Rule {
  name: string;
  pattern: RegExp;
  mask: (match: string, ...groups: string[]) => string;
}

// A value that is already the mask is not a finding (a second pass over masked text finds nothing).
const NOT_MASKED = "(?!\\*\\*\\*\\*)";
/** Key names that end in a word meaning "this value is a credential" (CredentialsExpiresAt and tokenFile do not). */
const SECRET_KEY_END =
  "(?:password|passwd|passphrase|secret|token|secret_?access_?key|private_?key|activation_?code|auth_?data|auth)";

/**
 * Secrets by shape, for text whose secrets the agent never saw: log files, journals, files of other components.
 * Order matters: a value spanning the rest of the line (ECS_ENGINE_AUTH_DATA's JSON) is masked before the
 * word-sized rules look at its parts.
 */
const RULES: readonly Rule[] = [
  {
    name: "private-key-block",
    pattern:
      /(-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----)(?!\n\*\*\*\*\n)[\s\S]*?(-----END \2PRIVATE KEY-----)/g,
    mask: (_all, begin, _kind, end) => `${begin}\n${MASK}\n${end}`,
  },
  {
    // field notes §10.15: registry credentials, whole (a JSON document of users and passwords).
    name: "ecs-engine-auth-data",
    pattern: new RegExp(`(ECS_ENGINE_AUTH_DATA["']?\\s*[=:]\\s*)${NOT_MASKED}(\\S.*)$`, "gm"),
    mask: (_all, key) => `${key}${MASK}`,
  },
  {
    name: "authorization-header",
    pattern: new RegExp(
      `\\b((?:proxy-)?authorization["']?\\s*[:=]\\s*["']?)${NOT_MASKED}([^\\s"'][^\\r\\n"']*)`,
      "gi",
    ),
    mask: (_all, key) => `${key}${MASK}`,
  },
  {
    // field notes §10.4, §10.15: proxy credentials in a URL (http://user:password@proxy:3128).
    name: "url-userinfo",
    pattern: new RegExp(`\\b([a-z][a-z0-9+.-]*://)${NOT_MASKED}([^/?#@\\s"'<>]+)@`, "gi"),
    mask: (_all, scheme) => `${scheme}${MASK}@`,
  },
  {
    name: "credential-assignment",
    pattern: new RegExp(
      `(?<![A-Za-z0-9_.-])(["']?)([A-Za-z0-9_.-]*?${SECRET_KEY_END})\\1(\\s*[=:]\\s*)(["']?)${NOT_MASKED}([^\\s"',;}]+)`,
      "gi",
    ),
    mask: (_all, quote, key, separator, valueQuote) =>
      `${quote}${key}${quote}${separator}${valueQuote}${MASK}`,
  },
  {
    // The install script's and the SSM agent's command lines (`--activation-code X`, `-register -code X`).
    name: "activation-code-flag",
    pattern: new RegExp(`(^|\\s)(--activation-code|-code)(\\s+|=)${NOT_MASKED}(\\S+)`, "g"),
    mask: (_all, before, flag, separator) => `${before}${flag}${separator}${MASK}`,
  },
  {
    name: "bearer-or-basic",
    pattern: new RegExp(`\\b(Bearer|Basic)\\s+${NOT_MASKED}([A-Za-z0-9._~+/=-]{8,})`, "g"),
    mask: (_all, scheme) => `${scheme} ${MASK}`,
  },
  {
    // Access key ids are not secret alone, but say whose key it is; the prefix (long-term or temporary) stays.
    name: "aws-access-key-id",
    pattern: /\b(AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA|AGPA)[A-Z0-9]{16}\b/g,
    mask: (_all, prefix) => `${prefix}${MASK}`,
  },
];

/** Rule names (manifest keys): none ends in a word of SECRET_KEY_END, so a manifest never masks its own counts. */
export const SECRET_RULES: readonly string[] = ["known-value", ...RULES.map((rule) => rule.name)];

/** Masked text and how many values each rule masked (rules that found nothing are left out). */
export interface ScanResult {
  text: string;
  counts: Record<string, number>;
}

/**
 * Masks every secret in `text`: the values the redactor knows (secrets the agent has read), then secrets by
 * shape (RULES). Each masked value is counted under the rule that found it.
 */
export function maskSecretsIn(text: string, redactor: Redactor): ScanResult {
  const counts: Record<string, number> = {};
  const before = occurrences(text, MASK);
  let result = redactor.scrub(text);
  const known = occurrences(result, MASK) - before;
  if (known > 0) counts["known-value"] = known;
  for (const rule of RULES) {
    let found = 0;
    result = result.replace(rule.pattern, (...args: unknown[]) => {
      found++;
      const groups = args.slice(1, -2).map((group) => (typeof group === "string" ? group : ""));
      return rule.mask(args[0] as string, ...groups);
    });
    if (found > 0) counts[rule.name] = found;
  }
  return { text: result, counts };
}

/**
 * The names of the rules that still find something in already masked text: empty when masking held. Anything
 * else means a rule's mask brought back what another rule looks for, and the text must not be shipped.
 */
export function unmaskedFindings(masked: string, redactor: Redactor): string[] {
  return Object.keys(maskSecretsIn(masked, redactor).counts);
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
