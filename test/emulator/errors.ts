/** An AWS-style error: thrown by handlers and hooks, rendered per protocol by the server. */
export class EmulatorError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = "EmulatorError";
    this.code = code;
    this.status = status;
  }
}

export function isEmulatorError(e: unknown): e is EmulatorError {
  return e instanceof EmulatorError;
}
