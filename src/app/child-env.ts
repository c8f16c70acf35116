import { RESERVED_ENV } from "../config/env.ts";
import { isSecretKey } from "../ecsconfig/keys.ts";
import { UsageError } from "../errors.ts";

/**
 * What child processes (the install script, systemctl, the package managers) inherit: an ALLOW-list, so a
 * credential variable nobody thought of (AWS_CONTAINER_AUTHORIZATION_TOKEN, AWS_SECURITY_TOKEN, ...) can never
 * leak into them, and credentials there would shadow the SSM-vended ones (field notes §6.3). Proxies and CA
 * bundles pass: the install script downloads through them.
 */
const PASSED_TO_CHILDREN: ReadonlySet<string> = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "TMPDIR",
  "DEBIAN_FRONTEND",
  "http_proxy",
  "HTTP_PROXY",
  "https_proxy",
  "HTTPS_PROXY",
  "no_proxy",
  "NO_PROXY",
  "all_proxy",
  "ALL_PROXY",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "CURL_CA_BUNDLE",
]);
const PASSED_PREFIXES = ["LC_"];

/** Names the operator adds to the allow-list: names, or prefixes ending in `*` (`MY_*`), by space or comma. */
const PASS_ENV = RESERVED_ENV.passEnv;

/** AWS_* (credentials, profiles, endpoints), the agent's own ECS_ANYWHERE_*, and names like a secret's. */
function neverPassed(name: string): boolean {
  return name.startsWith("AWS_") || name.startsWith("ECS_ANYWHERE_") || isSecretKey(name);
}

/** The operator's additions to the allow-list (ECS_ANYWHERE_PASS_ENV); a credential named there is bad input. */
export function passedByOperator(env: Record<string, string | undefined>): (name: string) => boolean {
  const entries = (env[PASS_ENV] ?? "").split(/[\s,]+/).filter((entry) => entry !== "");
  for (const entry of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(entry)) {
      throw new UsageError(`${PASS_ENV}: ${JSON.stringify(entry)} is not a variable name or a NAME_* prefix`);
    }
    if (!entry.endsWith("*") && neverPassed(entry)) {
      throw new UsageError(
        `${PASS_ENV}: ${entry} is never passed to child processes (AWS credentials and the agent's own secrets stay with the agent)`,
      );
    }
  }
  return (name) =>
    entries.some((entry) => (entry.endsWith("*") ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/**
 * The environment child processes get: the allow-listed variables of `env` (plus the operator's additions),
 * never an AWS_* variable, the agent's own ECS_ANYWHERE_* ones or anything named like a secret.
 */
export function childEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const added = passedByOperator(env);
  const allowed = (name: string) =>
    !neverPassed(name) &&
    (PASSED_TO_CHILDREN.has(name) ||
      PASSED_PREFIXES.some((prefix) => name.startsWith(prefix)) ||
      added(name));
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && allowed(entry[0]),
    ),
  );
}
