/**
 * Errors say who is at fault: the USER (bad input: exit 2, nothing was called or written) or the
 * OPERATION/ENVIRONMENT (exit 1). Messages are one line; `remediation` says what to do about it.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = 2;
  /** What to do about it, when there is one clear fix (printed as the `fix:` line). */
  readonly remediation: string | undefined;

  constructor(message: string, options?: { remediation?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.remediation = options?.remediation;
  }
}

export class OperationError extends Error {
  override readonly name: string = "OperationError";
  readonly exitCode = 1;
  readonly remediation: string | undefined;

  constructor(message: string, options?: { remediation?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.remediation = options?.remediation;
  }
}

export interface AwsCallContext {
  service: "iam" | "sts" | "ssm" | "ecs";
  action: string;
  resource?: string;
}

/** A failed AWS call, already turned into one actionable line. */
export class AwsCallError extends OperationError {
  override readonly name = "AwsCallError";
  readonly code: string;
  readonly call: AwsCallContext;

  constructor(call: AwsCallContext, code: string, message: string, remediation?: string) {
    super(message, remediation === undefined ? undefined : { remediation });
    this.code = code;
    this.call = call;
  }
}

export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof UsageError ? 2 : 1;
}

/** The one-line message of anything thrown (an Error's message, else its string form). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
