import { RESERVED_ENV } from "../config/env.ts";

/**
 * Test failpoints (field notes §9.6), named in ECS_ANYWHERE_FAILPOINTS, separated by spaces or commas. Nothing
 * else reads the variable; an empty set is the normal case.
 */
export function failpointsOf(env: Record<string, string | undefined>): ReadonlySet<string> {
  return new Set((env[RESERVED_ENV.failpoints] ?? "").split(/[\s,]+/).filter((name) => name !== ""));
}

/** `step-stall:ID`: the run stalls inside step ID (after its first change is applied) until it is cancelled. */
export const stepStall = (stepId: string) => `step-stall:${stepId}`;

/**
 * Waits until `signal` fires, then rejects with its reason. A timer keeps the process alive meanwhile: nothing
 * else may be pending, and a process with nothing pending would just exit.
 */
export function stallUntilCancelled(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const alive = setInterval(() => {}, 60_000);
    const stop = () => {
      clearInterval(alive);
      reject(signal.reason);
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
}
