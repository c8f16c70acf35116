/** A run stopped by SIGINT/SIGTERM (or another abort); names the step it stopped in. */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  constructor(
    readonly step: string,
    reason: unknown,
  ) {
    super(`cancelled at ${step}${typeof reason === "string" ? ` (${reason})` : ""}`);
  }
}

/** Throws the signal's cancellation when it has fired; call between waits. */
export function throwIfCancelled(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) throw new CancelledError(step, signal.reason);
}
