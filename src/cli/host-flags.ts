import { UsageError } from "../errors.ts";

/** The flags that say which host a command works on (check, register, deregister, daemon, status). */
export interface HostFlags {
  root?: string | undefined;
  ecsAgentUrl?: string | undefined;
  installScript?: string | undefined;
  installScriptSha256?: string | undefined;
}

/** --root, --ecs-agent-url and an air-gapped script copy, validated (bad values exit 2). */
export function hostOptions(options: HostFlags) {
  const sha256 = options.installScriptSha256;
  if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new UsageError("--install-script-sha256: must be 64 hexadecimal characters");
  }
  if ((sha256 === undefined) !== (options.installScript === undefined)) {
    throw new UsageError("--install-script and --install-script-sha256 go together: pass both or neither");
  }
  if (options.root === "") throw new UsageError("--root: must not be empty (use / for this host)");
  return {
    ...(options.root === undefined ? {} : { root: options.root }),
    ...(options.ecsAgentUrl === undefined
      ? {}
      : { ecsAgentUrl: parseUrl("--ecs-agent-url", options.ecsAgentUrl) }),
    ...(options.installScript === undefined || sha256 === undefined
      ? {}
      : { installScript: { file: options.installScript, sha256: sha256.toLowerCase() } }),
  };
}

/**
 * An http(s) URL flag. A user or password in it is refused: plans, progress and errors name these URLs, and
 * nothing would mask them there.
 */
export function parseUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(`${flag}: must be an http:// or https:// URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new UsageError(`${flag}: must not carry a user or password (it would show in plans and logs)`);
  }
  return value;
}

/** One string flag of commander's options (a repeated flag is bad input). */
export function textFlag(raw: Record<string, unknown>, key: string, flag: string): string | undefined {
  const value = raw[key];
  if (value === undefined || typeof value === "string") return value;
  throw new UsageError(`${flag}: expects one value`);
}

/** --root and --ecs-agent-url of the daemon and status, validated (bad values exit 2). */
export function daemonHostFlags(raw: Record<string, unknown>) {
  const root = textFlag(raw, "root", "--root");
  const ecsAgentUrl = textFlag(raw, "ecsAgentUrl", "--ecs-agent-url");
  if (ecsAgentUrl !== undefined) parseUrl("--ecs-agent-url", ecsAgentUrl);
  const flags = {
    ...(root === undefined ? {} : { root }),
    ...(ecsAgentUrl === undefined ? {} : { ecsAgentUrl }),
  };
  return { flags, host: hostOptions(flags) };
}
