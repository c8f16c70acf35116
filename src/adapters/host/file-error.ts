// Why a host file operation failed (named path, plain cause, a fix), which input files are refused unread, and the
// two small helpers most HostFs operations use on a low-level error.
import type { Stats } from "node:fs";
import { OperationError } from "../../errors.ts";

/** The largest file the agent reads as input (config, activation, code, script, key): 1 MiB. */
export const INPUT_FILE_LIMIT = 1024 * 1024;

/** A host file operation that failed, with the path it was about to change and why (the errno kept as `code`). */
export class HostFileError extends OperationError {
  override readonly name = "HostFileError";
  readonly code: string | undefined;
  readonly path: string;

  constructor(action: string, realPath: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    // The adapter's own refusals (ENOTREG, EFBIG) say it all in their message.
    const own = (code === "ENOTREG" || code === "EFBIG") && cause instanceof Error;
    const reason = own
      ? cause.message
      : (FAILURE_REASONS[code ?? ""] ?? code ?? (cause instanceof Error ? cause.message : String(cause)));
    super(`${action} ${realPath}: ${reason}`, {
      cause,
      ...(code !== undefined && FAILURE_FIXES[code] ? { remediation: FAILURE_FIXES[code] } : {}),
    });
    this.code = code;
    this.path = realPath;
  }
}

const FAILURE_REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EROFS: "the file system is read-only (EROFS)",
  EISDIR: "it is a directory (EISDIR)",
  ENOTDIR: "a folder on the way is not a directory (ENOTDIR)",
  EACCES: "permission denied (EACCES)",
  EPERM: "operation not permitted (EPERM)",
  EIO: "input/output error (EIO)",
};

const FAILURE_FIXES: Readonly<Record<string, string>> = {
  ENOSPC: "free some space on that file system, then re-run",
  EDQUOT: "free some space (or raise the quota) on that file system, then re-run",
  EROFS: "the root is mounted read-only: remount it read-write (or pass a writable --root), then re-run",
  EISDIR: "move the directory out of the way, then re-run",
  EACCES: "run as root (sudo), or fix the folder's owner and mode",
  EPERM: "run as root (sudo); check for immutable files (lsattr)",
};

function describeKind(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** The error says the path does not exist (it, or a folder on the way, is missing). */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export function tooBig(limit: number): Error {
  return Object.assign(new Error(`it is larger than the ${limit / 1024 / 1024} MiB limit`), {
    code: "EFBIG",
  });
}

/** Throws unless `stats` is a regular file of at most `limit` bytes (EISDIR, ENOTREG, EFBIG). */
export function refuseUnlessRegular(stats: Stats, limit: number): void {
  if (stats.isDirectory()) throw Object.assign(new Error("it is a directory"), { code: "EISDIR" });
  if (!stats.isFile()) {
    throw Object.assign(new Error(`it is ${describeKind(stats)}, not a regular file`), { code: "ENOTREG" });
  }
  if (stats.size > limit) throw tooBig(limit);
}

/** A low-level error as a HostFileError naming `realPath` (one that already is one passes through). */
export function asHostFileError(action: string, realPath: string, error: unknown): HostFileError {
  return error instanceof HostFileError ? error : new HostFileError(action, realPath, error);
}

/** Resolves to undefined instead of rejecting when the path does not exist. */
export async function ifExists<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
