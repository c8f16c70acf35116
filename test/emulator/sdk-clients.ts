import { ECSClient } from "@aws-sdk/client-ecs";
import { IAMClient } from "@aws-sdk/client-iam";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { DEFAULT_CREDENTIALS } from "./core.ts";
import { IAM_SIGNING_REGION, partitionOf } from "./partition.ts";

/** Real AWS SDK v3 clients pointed at an emulator (test helper, not a test). */

const [accessKeyId, secretAccessKey] = Object.entries(DEFAULT_CREDENTIALS)[0] as [string, string];

export const TEST_CREDENTIALS = { accessKeyId, secretAccessKey };

export interface ErrorInfoSeen {
  errorType: string;
}

/**
 * The SDK's own error classification (THROTTLING / TRANSIENT / CLIENT_ERROR...) decides, as in the standard
 * strategy; only the back-off is 1 ms so tests stay fast. `seen` collects what the SDK classified.
 */
export function fastRetries(maxAttempts: number, seen: ErrorInfoSeen[] = []) {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 1 });
  return {
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (
      t: { getRetryCount(): number },
      info: { errorType: string },
    ): Promise<{ getRetryCount(): number; getRetryDelay(): number }> => {
      seen.push({ errorType: info.errorType });
      const retryable = info.errorType === "THROTTLING" || info.errorType === "TRANSIENT";
      if (!retryable || t.getRetryCount() + 1 >= maxAttempts) throw new Error("No retry token available");
      await new Promise((r) => setTimeout(r, 1));
      return token(t.getRetryCount() + 1);
    },
    recordSuccess: () => {},
  };
}

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  seen?: ErrorInfoSeen[];
}

export function clients(url: string, opts: ClientOptions = {}) {
  const maxAttempts = opts.maxAttempts ?? 1;
  const config = {
    region: opts.region ?? "us-east-1",
    endpoint: url,
    credentials: opts.credentials ?? TEST_CREDENTIALS,
    maxAttempts,
    retryStrategy: fastRetries(maxAttempts, opts.seen),
  };
  return {
    // IAM signs for its partition's one region, as the SDK's own endpoint rules do (field notes §5.8).
    iam: new IAMClient({ ...config, region: IAM_SIGNING_REGION[partitionOf(config.region)] }),
    sts: new STSClient(config),
    ssm: new SSMClient(config),
    ecs: new ECSClient(config),
  };
}

/** The rejection of `p` (fails the test when `p` resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection");
}

export const SSM_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ssm.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export const ECS_TASKS_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});
