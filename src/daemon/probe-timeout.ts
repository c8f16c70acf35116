/** A probe gave no answer within its timeout. */
export class ProbeTimeout extends Error {
  override readonly name = "ProbeTimeout";
}

/**
 * Runs `fn` with a signal that fires after `ms` (a real timer: a hung socket or child does not stop on a
 * fake clock) or with `outer`. Rejects with ProbeTimeout at the deadline even if `fn` ignores its signal.
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  outer: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProbeTimeout(`no answer within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener("abort", onAbort);
  }
}
