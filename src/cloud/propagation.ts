import { AwsCallError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import { formatDuration } from "../util/duration.ts";

/** How to wait out IAM's eventual consistency: the clock port, the run's cancellation, a progress line. */
export interface PropagationWait {
  clock: Clock;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** How long to keep retrying, from the first refusal. Default PROPAGATION_BOUND_MS. */
  boundMs?: number;
  /** [0, 1): the jitter source (Math.random in production). */
  random?: () => number;
  /** The longest wait between two attempts (default MAX_DELAY_MS). */
  maxDelayMs?: number;
}

/** Real IAM changes usually reach SSM and ECS within seconds; two minutes is generous. */
export const PROPAGATION_BOUND_MS = 120_000;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15_000;

// field notes §8.1: exactly the answers of a role (or service-linked role) that has not propagated yet.
const PROPAGATION_ANSWERS: ReadonlyArray<{ code: string; text: string }> = [
  { code: "ValidationException", text: "Nonexistent role or missing ssm service principal in trust policy" },
  { code: "InvalidParameterException", text: "Unable to assume the service linked role" },
];

export function isPropagationError(error: unknown): error is AwsCallError {
  return (
    error instanceof AwsCallError &&
    PROPAGATION_ANSWERS.some(({ code, text }) => error.code === code && error.message.includes(text))
  );
}

/**
 * Runs `call`, retrying ONLY the answers IAM eventual consistency gives, with jittered exponential backoff on the
 * clock port, for at most `boundMs`; every other failure is thrown at once. Each wait prints a progress line.
 */
export async function retryWhilePropagating<T>(call: () => Promise<T>, wait: PropagationWait): Promise<T> {
  const bound = wait.boundMs ?? PROPAGATION_BOUND_MS;
  const random = wait.random ?? Math.random;
  const started = wait.clock.now().getTime();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isPropagationError(error)) throw error;
      const elapsed = wait.clock.now().getTime() - started;
      if (elapsed >= bound) throw stillRefused(error, elapsed);
      wait.progress?.(
        `waiting for IAM role to propagate (attempt ${attempt}, elapsed ${formatDuration(Math.round(elapsed / 1000))})`,
      );
      // Equal jitter: half the delay fixed, half random, so parallel runs do not retry in step.
      const jittered = delay / 2 + random() * (delay / 2);
      await wait.clock.sleep(Math.min(jittered, bound - elapsed), wait.signal);
      delay = Math.min(delay * 2, wait.maxDelayMs ?? MAX_DELAY_MS);
    }
  }
}

function stillRefused(error: AwsCallError, elapsedMs: number): AwsCallError {
  return new AwsCallError(
    error.call,
    error.code,
    `${error.message} (still refused after ${formatDuration(Math.round(elapsedMs / 1000))} of waiting for IAM to propagate)`,
    error.code === "ValidationException"
      ? "check that the instance role exists (setup) and trusts ssm.amazonaws.com, then re-run"
      : "check that the ECS service-linked role AWSServiceRoleForECS exists (aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com), then re-run",
  );
}
