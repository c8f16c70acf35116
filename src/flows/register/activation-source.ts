import type { HostFs } from "../../adapters/host/fs.ts";
import { activationFactsOf } from "../../cloud/activation-file.ts";
import { UsageError } from "../../errors.ts";
import { operatorFileError } from "../../util/files.ts";
import type { Redactor } from "../../util/redact.ts";

/** An activation to register with; `code` is a secret, registered with the redactor as soon as it is read. */
export interface SuppliedActivation {
  id: string;
  code: string;
  /** Where it came from, for the plan ("--activation-file /root/a.json"). */
  source: string;
  /** What an --activation-file records beside the code (`activation create --out` writes both). */
  expiresAt?: Date;
  region?: string;
}

const ACTIVATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ActivationFlags {
  activationId?: string;
  activationCodeFile?: string;
  activationFile?: string;
}

/**
 * The operator's activation: `--activation-id` with `--activation-code-file` (or ECS_ANYWHERE_ACTIVATION_CODE),
 * or `--activation-file` (the JSON written by `activation create --out`). undefined = create one just in time.
 * Every problem is bad input (exit 2), found before anything is called or written.
 */
export async function readSuppliedActivation(
  flags: ActivationFlags,
  env: Record<string, string | undefined>,
  files: HostFs,
  redactor: Redactor,
  warn: (message: string) => void = () => {},
): Promise<SuppliedActivation | undefined> {
  if (flags.activationFile !== undefined) {
    if (flags.activationId !== undefined || flags.activationCodeFile !== undefined) {
      throw new UsageError(
        "--activation-file: use it alone, not with --activation-id/--activation-code-file",
      );
    }
    const text = await readOperatorFile(files, flags.activationFile, "--activation-file", warn);
    const parsed = parseJsonObject(text) as { activationId?: unknown; activationCode?: unknown } | undefined;
    if (parsed === undefined) {
      throw new UsageError(
        `--activation-file: ${flags.activationFile} is not a JSON object (expected the output of activation create --out)`,
      );
    }
    if (typeof parsed.activationCode === "string") redactor.add(parsed.activationCode);
    const supplied = check(
      parsed.activationId,
      parsed.activationCode,
      `--activation-file ${flags.activationFile}`,
    );
    const facts = activationFactsOf(parsed);
    return {
      ...supplied,
      ...(facts?.expiresAt ? { expiresAt: facts.expiresAt } : {}),
      ...(facts?.region ? { region: facts.region } : {}),
    };
  }
  const envCode = env.ECS_ANYWHERE_ACTIVATION_CODE;
  if (flags.activationId === undefined) {
    if (flags.activationCodeFile !== undefined || envCode) {
      throw new UsageError(
        "--activation-id: required with --activation-code-file or ECS_ANYWHERE_ACTIVATION_CODE",
      );
    }
    return undefined;
  }
  let code = envCode;
  let source = "ECS_ANYWHERE_ACTIVATION_CODE";
  if (flags.activationCodeFile !== undefined) {
    code = (await readOperatorFile(files, flags.activationCodeFile, "--activation-code-file", warn)).trim();
    source = `--activation-code-file ${flags.activationCodeFile}`;
  }
  if (!code) {
    throw new UsageError(
      "--activation-code-file: required with --activation-id (or set ECS_ANYWHERE_ACTIVATION_CODE)",
    );
  }
  redactor.add(code);
  return check(flags.activationId, code, source);
}

function check(id: unknown, code: unknown, source: string): SuppliedActivation {
  if (typeof id !== "string" || !ACTIVATION_ID.test(id)) {
    throw new UsageError(`activation id: must be the UUID that activation create printed (from ${source})`);
  }
  // field notes §5: activation codes are at least 20 characters.
  if (typeof code !== "string" || code.length < 20 || /\s/.test(code)) {
    throw new UsageError(
      `activation code: must be the 20+ character code that activation create printed (from ${source})`,
    );
  }
  return { id, code, source };
}

function parseJsonObject(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An unreadable file (missing, a directory, a FIFO or device, over 1 MiB, no permission) is bad input: one
 * line, exit 2. A file other users may read still works (the code may already have leaked; refusing would
 * not unleak it), with a warning naming the file and the fix.
 */
async function readOperatorFile(
  files: HostFs,
  file: string,
  flag: string,
  warn: (message: string) => void,
): Promise<string> {
  const read = await files.readInputFile(file).catch((error: unknown) => {
    throw operatorFileError(flag, file, error);
  });
  if (read === undefined) throw operatorFileError(flag, file);
  if ((read.mode & 0o004) !== 0) {
    warn(
      `${flag}: ${file} holds an activation code and every user can read it (mode ${read.mode.toString(8).padStart(4, "0")}); fix: chmod 600 ${file}`,
    );
  }
  return read.bytes.toString("utf8");
}
