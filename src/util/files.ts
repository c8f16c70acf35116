import { UsageError } from "../errors.ts";

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ENOSPC: "no space left on the device",
  EROFS: "the file system is read-only",
};

/**
 * Why a file could not be read or written, in a few words ("permission denied", "it is a directory", "it is
 * a FIFO (named pipe), not a regular file", the errno code).
 */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // The host fs adapter's own refusals (not a regular file, over the size limit) say it in their message.
  if ((code === "ENOTREG" || code === "EFBIG") && error instanceof Error) return error.message;
  if (code !== undefined) return REASONS[code] ?? code;
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
