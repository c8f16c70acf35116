import { UsageError } from "../errors.ts";

/** Why a file could not be read, in a few words ("permission denied", "it is a directory", the errno code). */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  if (code !== undefined) return code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one-line, exit-2 error for a file the operator named with `flag` that cannot be read; `error` is what
 * reading it threw (an errno error, or just `{ code }`), undefined when it does not exist.
 */
export function operatorFileError(flag: string, file: string, error?: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error === undefined || code === "ENOENT" || code === "ENOTDIR") {
    return new UsageError(`${flag}: file not found: ${file}`);
  }
  return new UsageError(`${flag}: cannot read ${file} (${readFailure(error)})`);
}
