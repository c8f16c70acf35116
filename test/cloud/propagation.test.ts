import { describe, expect, it } from "vitest";
import { isPropagationError, retryWhilePropagating } from "../../src/cloud/propagation.ts";
import { AwsCallError } from "../../src/errors.ts";
import { fakeClock } from "../support/clock.ts";

const CREATE_ACTIVATION = { service: "ssm" as const, action: "CreateActivation" };
const nonexistent = () =>
  new AwsCallError(
    CREATE_ACTIVATION,
    "ValidationException",
    "ssm:CreateActivation on * failed: ValidationException: Nonexistent role or missing ssm service principal in trust policy: arn:aws:iam::123456789012:role/ECSAnywhereRole",
  );
const serviceLinkedRole = () =>
  new AwsCallError(
    { service: "ecs", action: "CreateCluster" },
    "InvalidParameterException",
    "ecs:CreateCluster on cluster/edge failed: InvalidParameterException: Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
  );

/** A call that fails with `errors` in turn, then answers "ok"; counts its calls. */
function failing(errors: Error[]) {
  let calls = 0;
  return {
    calls: () => calls,
    call: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return "ok";
    },
  };
}

describe("retryWhilePropagating (field notes §8.1)", () => {
  it("retries exactly the propagation answers with jittered backoff on the clock, showing progress", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const lines: string[] = [];
    const f = failing([nonexistent(), serviceLinkedRole(), nonexistent()]);
    const result = await retryWhilePropagating(f.call, {
      clock,
      progress: (line) => lines.push(line),
      random: () => 0.5,
    });
    expect(result).toBe("ok");
    expect(f.calls()).toBe(4);
    // Equal jitter with random 0.5: 3/4 of 1 s, 2 s, 4 s.
    expect(clock.now().getTime() - start).toBe(750 + 1500 + 3000);
    expect(lines).toEqual([
      "waiting for IAM role to propagate (attempt 1, elapsed 0s)",
      "waiting for IAM role to propagate (attempt 2, elapsed 1s)",
      "waiting for IAM role to propagate (attempt 3, elapsed 2s)",
    ]);
  });

  it("does not retry a ValidationException with another message, nor another code", async () => {
    const clock = fakeClock();
    const permanent = new AwsCallError(
      CREATE_ACTIVATION,
      "ValidationException",
      "ssm:CreateActivation on * failed: ValidationException: ExpirationDate cannot be more than 30 days in the future.",
    );
    const f = failing([permanent]);
    await expect(retryWhilePropagating(f.call, { clock })).rejects.toBe(permanent);
    expect(f.calls()).toBe(1);
    const denied = new AwsCallError(
      CREATE_ACTIVATION,
      "AccessDeniedException",
      "access denied: Nonexistent role",
    );
    expect(isPropagationError(denied)).toBe(false);
    expect(
      isPropagationError(new Error("Nonexistent role or missing ssm service principal in trust policy")),
    ).toBe(false);
  });

  it("gives up at the bound, saying how long it waited and what to check", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const f = failing(Array.from({ length: 1000 }, nonexistent));
    const error = await retryWhilePropagating(f.call, { clock, boundMs: 60_000, random: () => 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).code).toBe("ValidationException");
    expect((error as AwsCallError).message).toMatch(
      /still refused after 1m of waiting for IAM to propagate\)$/,
    );
    expect((error as AwsCallError).remediation).toMatch(/trusts ssm\.amazonaws\.com/);
    expect(clock.now().getTime() - start).toBe(60_000);
    // 1+2+4+8+15+15+15 s reach the bound: 8 calls, not a thousand.
    expect(f.calls()).toBe(8);
  });

  it("stops waiting at once when the run is cancelled", async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    const f = failing([nonexistent()]);
    await expect(retryWhilePropagating(f.call, { clock, signal: controller.signal })).rejects.toThrow(
      "cancelled",
    );
    expect(f.calls()).toBe(1);
  });
});
