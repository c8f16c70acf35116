// What wraps each SDK client of the AWS ports (clients.ts builds them): the retry log and its progress lines, the
// pacing of a throttled service, cancellation, and the endpoint an error names.
import { endpointFromEnv } from "../../config/endpoints.ts";
import { formatDuration } from "../../util/duration.ts";
import { PROGRESS_EVERY_MS } from "../../util/progress.ts";
import type { AwsSettings } from "./clients.ts";
import { isThrottlingError } from "./errors.ts";
import { Pacer } from "./pacing.ts";
import { dnsSuffix, type Partition, partitionOfRegion } from "./partition.ts";

export type Service = "IAM" | "STS" | "SSM" | "ECS";

/** The one logger method the retry log needs (a pino logger fits). */
export interface RetryLog {
  debug(fields: Record<string, unknown>, message: string): void;
}

/** The endpoint of `service`: the environment's (endpointFromEnv), else the config file's. */
export function endpointFor(
  env: AwsSettings["env"],
  service: Service,
  configured?: AwsSettings["endpoints"],
): string | undefined {
  return endpointFromEnv(env, service) ?? configured?.[service];
}

interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { name: string; relation: "after"; toMiddleware: string },
    ): void;
  };
}

/**
 * Logs every retry the SDK makes at debug: `retrying ecs:CreateCluster after ThrottlingException (attempt 2
 * of 5)`. Placed after the SDK's retry middleware, so it runs once per attempt of one call. A call that has been
 * at it for PROGRESS_EVERY_MS or longer also says so on the progress sink, with the wait before this attempt.
 */
export function logRetries<T>(
  client: T,
  service: Service,
  maxAttempts: number,
  log: RetryLog | undefined,
  progress: AwsSettings["progress"],
): T {
  if (log === undefined && progress === undefined) return client;
  const now = () => progress?.clock.now().getTime() ?? 0;
  const seconds = (ms: number) => formatDuration(Math.round(ms / 1000));
  (client as unknown as MiddlewareClient).middlewareStack.addRelativeTo(
    (next, context) => {
      let attempt = 0;
      let lastCode: string | undefined;
      let startedAt = 0;
      let failedAt = 0;
      return async (args) => {
        attempt += 1;
        const operation = `${service.toLowerCase()}:${(context.commandName ?? "").replace(/Command$/, "")}`;
        const at = now();
        if (attempt === 1) startedAt = at;
        else {
          log?.debug(
            { operation, code: lastCode, attempt, maxAttempts },
            `retrying ${operation} after ${lastCode} (attempt ${attempt} of ${maxAttempts})`,
          );
          if (progress !== undefined && at - startedAt >= PROGRESS_EVERY_MS) {
            progress.sink(
              `[aws] retrying ${operation} after ${lastCode}: attempt ${attempt} of ${maxAttempts}, ` +
                `after waiting ${seconds(at - failedAt)} (elapsed ${seconds(at - startedAt)})`,
            );
          }
        }
        // A call that takes long says so while it runs, on the clock's own timer.
        const stop = progress?.clock.every?.(PROGRESS_EVERY_MS, () => {
          progress.sink(
            `[aws] waiting for ${operation} (attempt ${attempt} of ${maxAttempts}, elapsed ${seconds(now() - at)})`,
          );
        });
        try {
          return await next(args);
        } catch (error) {
          lastCode = errorCode(error);
          failedAt = now();
          throw error;
        } finally {
          stop?.();
        }
      };
    },
    { name: "logRetries", relation: "after", toMiddleware: "retryMiddleware" },
  );
  return client;
}

/**
 * Each attempt of the client's calls (placed after the SDK's retry middleware, so retries too) waits for its
 * turn on the client's own pacer, and tells it whether the service answered or throttled.
 */
export function paced<T>(client: T, pacing: AwsSettings["pacing"], signal: AbortSignal | undefined): T {
  if (pacing === undefined) return client;
  const pacer = new Pacer(pacing.clock);
  (client as unknown as MiddlewareClient).middlewareStack.addRelativeTo(
    (next) => async (args) => {
      const turn = await pacer.acquire(signal);
      try {
        const out = await next(args);
        pacer.answeredCall();
        return out;
      } catch (error) {
        if (isThrottlingError(error)) pacer.throttled(turn);
        // Any other answer (an error included) took a token from the service's bucket; a failed connection did not.
        else if ((error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode)
          pacer.answeredCall();
        throw error;
      }
    },
    { name: "pace", relation: "after", toMiddleware: "retryMiddleware" },
  );
  return client;
}

/** The code an attempt failed with: AWS's error code, else the network error's (ECONNRESET), else its name. */
function errorCode(error: unknown): string {
  const fields = (error ?? {}) as { name?: unknown; code?: unknown; Code?: unknown };
  for (const value of [fields.Code, fields.code, fields.name]) {
    if (typeof value === "string" && value !== "" && value !== "Error") return value;
  }
  return "an error";
}

/** Every `send` of the client carries the run's abort signal (the SDK's per-call `abortSignal` option). */
export function cancellable<T extends { send: (...args: never[]) => unknown }>(
  client: T,
  signal: AbortSignal | undefined,
): T {
  if (signal === undefined) return client;
  const send = client.send.bind(client) as (command: unknown, options?: Record<string, unknown>) => unknown;
  (client as { send: unknown }).send = (command: unknown, options?: Record<string, unknown>) =>
    send(command, { abortSignal: signal, ...options });
  return client;
}

/**
 * The endpoint a client talks to, as host:port, for errors that never reached AWS: the configured one, else the
 * public endpoint of the service in that region (IAM's is global per partition, field notes §5.8).
 */
export function endpointLabel(
  env: AwsSettings["env"],
  service: Service,
  region: string,
  endpoints?: AwsSettings["endpoints"],
): string {
  const configured = endpointFor(env, service, endpoints);
  if (configured !== undefined) {
    try {
      const url = new URL(configured);
      return `${url.hostname}:${url.port || (url.protocol === "http:" ? "80" : "443")}`;
    } catch {
      return configured;
    }
  }
  const partition = partitionOfRegion(region);
  const suffix = dnsSuffix(region);
  const iamHost: Record<Partition, string> = {
    aws: "iam.amazonaws.com",
    "aws-us-gov": "iam.us-gov.amazonaws.com",
    "aws-cn": `iam.${region}.${suffix}`,
  };
  const host = service === "IAM" ? iamHost[partition] : `${service.toLowerCase()}.${region}.${suffix}`;
  return `${host}:443`;
}

/**
 * A failure of the client's calls carries the endpoint it went to and the attempt timeout (errors.ts names them
 * when AWS was not reached, or did not answer in time).
 */
export function withEndpoint<T extends { send: (...args: never[]) => unknown }>(
  client: T,
  endpoint: string,
  timeoutMs: number,
): T {
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = async (...args: unknown[]) => {
    try {
      return await send(...args);
    } catch (error) {
      if (error !== null && typeof error === "object" && !("$endpoint" in error))
        Object.assign(error, { $endpoint: endpoint, $timeoutMs: timeoutMs });
      throw error;
    }
  };
  return client;
}
