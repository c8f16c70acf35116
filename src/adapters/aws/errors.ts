import { type AwsCallContext, AwsCallError } from "../../errors.ts";
import { formatDuration } from "../../util/duration.ts";

const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const THROTTLED = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);
const BAD_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "ExpiredToken",
  "ExpiredTokenException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
]);

/** Whether AWS refused a call for its rate (the account's token bucket for the API was empty). */
export function isThrottlingError(error: unknown): boolean {
  const code = awsErrorCode(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return (code !== undefined && THROTTLED.has(code)) || status === 429;
}

/** Whether an AwsCallError's code is a throttling answer (its retries ran out). */
export function isThrottlingCode(code: string): boolean {
  return THROTTLED.has(code);
}

/** The error name of an SDK exception, or undefined for a non-AWS failure. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const withMeta = error as { name?: string; Code?: string; $metadata?: unknown };
  // The credential chain fails before any request, so its error carries no $metadata.
  if (withMeta.name === "CredentialsProviderError") return withMeta.name;
  if (withMeta.$metadata === undefined && withMeta.Code === undefined) return undefined;
  return withMeta.Code ?? withMeta.name;
}

/** Node's codes for a connection that never got an answer, in operator words. */
const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "DNS lookup failed (no such host)",
  EAI_AGAIN: "DNS lookup failed (temporary failure; no answer from the resolver)",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
};
const TLS =
  /^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/;

interface SdkFailure {
  name?: string;
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  /** Set by the clients (client-wrappers.ts): the endpoint the call went to, as host:port. */
  $endpoint?: string;
  /** Set by the clients too: how long each attempt could wait for an answer. */
  $timeoutMs?: number;
  /** The HTTP proxy that could not be reached, as host:port (ProxyUnreachableError, proxy-agent.ts). */
  proxy?: string;
  $metadata?: { attempts?: number; httpStatusCode?: number };
}

const attemptsOf = (failure: SdkFailure) => failure.$metadata?.attempts ?? 1;
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The endpoint a connection failure names: what Node reports (address:port, hostname), else the client's. */
function endpointOf(failure: SdkFailure): string {
  if (failure.address !== undefined && failure.port !== undefined)
    return `${failure.address}:${failure.port}`;
  const known = failure.$endpoint;
  if (failure.hostname !== undefined) {
    return known?.startsWith(`${failure.hostname}:`) ? known : failure.hostname;
  }
  return known ?? "the AWS endpoint";
}

/** A failure to reach AWS at all (network, DNS, TLS): where, what was tried, and what to check. */
function connectionError(call: AwsCallContext, failure: SdkFailure, code: string): AwsCallError | undefined {
  const problem = NETWORK[code] ?? (TLS.test(code) ? `TLS handshake failed (${code})` : undefined);
  if (problem === undefined) return undefined;
  const endpoint = endpointOf(failure);
  const permission = `${call.service}:${call.action}`;
  const tried = plural(attemptsOf(failure), "attempt");
  const why = `${problem}${NETWORK[code] ? ` (${code})` : ""}`;
  if (typeof failure.proxy === "string") {
    return new AwsCallError(
      call,
      code,
      `${permission}: cannot reach the proxy ${failure.proxy} for ${endpoint}: ${why}; gave up after ${tried}`,
      `check that the proxy ${failure.proxy} runs and this host reaches it, or the proxy settings (proxy.https, HTTPS_PROXY); then re-run`,
    );
  }
  const message = `${permission}: could not reach ${endpoint}: ${why}; gave up after ${tried}`;
  const remediation = TLS.test(code)
    ? `check the system clock and any TLS-inspecting proxy on the way to ${endpoint} (its CA goes in NODE_EXTRA_CA_CERTS), and AWS_ENDPOINT_URL if it is set`
    : `check the network, DNS and proxy settings (HTTPS_PROXY, NO_PROXY) on the way to ${endpoint}, and AWS_ENDPOINT_URL if it is set; then re-run`;
  return new AwsCallError(call, code, message, remediation);
}

/** Every attempt ran into the attempt timeout: no connection, or no answer, in time (client-wrappers.ts sets it). */
function timeoutError(call: AwsCallContext, failure: SdkFailure): AwsCallError {
  const endpoint = endpointOf(failure);
  const within =
    failure.$timeoutMs === undefined ? "" : ` within ${formatDuration(Math.ceil(failure.$timeoutMs / 1000))}`;
  return new AwsCallError(
    call,
    "TimeoutError",
    `${call.service}:${call.action}: no answer from ${endpoint}${within}; gave up after ${plural(attemptsOf(failure), "attempt")}`,
    `check the network and any proxy on the way to ${endpoint}; raise --aws-timeout if AWS answers that slowly there; then re-run`,
  );
}

/** Turns an SDK failure into one line that names the action, the resource and what to do. */
export function toAwsCallError(call: AwsCallContext, error: unknown): AwsCallError {
  const failure = (error ?? {}) as SdkFailure;
  if (failure.name === "TimeoutError") return timeoutError(call, failure);
  const nodeCode = typeof failure.code === "string" ? failure.code : undefined;
  const reported = awsErrorCode(error);
  // A connection that failed carries Node's code; the SDK's own name for it is only "Error".
  const code =
    nodeCode !== undefined && (reported === undefined || reported === "Error")
      ? nodeCode
      : (reported ?? "NetworkError");
  const unreachable = connectionError(call, failure, code);
  if (unreachable) return unreachable;
  const permission = `${call.service}:${call.action}`;
  const resource = call.resource ?? "*";
  const detail = oneLine(error instanceof Error ? error.message : String(error));
  if (ACCESS_DENIED.has(code)) {
    // AWS names the permission it checked, which can be another one than the call's own (ssm:CreateActivation
    // checks iam:PassRole on the role): grant what AWS names, on the resource it names.
    const named = /not authorized to perform: ([\w-]+:[\w*]+) on resource: (\S+)/.exec(detail);
    const needed = named?.[1] ?? permission;
    const on = named?.[2] ?? resource;
    const what = needed === permission ? `${permission} on ${on}` : `${permission} needs ${needed} on ${on}`;
    return new AwsCallError(
      call,
      code,
      `access denied: ${what}`,
      `grant ${needed} on ${on} to the identity running the agent, then re-run`,
    );
  }
  if (THROTTLED.has(code)) {
    return new AwsCallError(
      call,
      code,
      `${permission} was throttled by AWS and the retries ran out`,
      "wait a minute and re-run; raise --max-attempts if this keeps happening",
    );
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new AwsCallError(
      call,
      code,
      `${permission}: AWS rejected the credentials (${code})`,
      "check AWS_PROFILE/--profile or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in use",
    );
  }
  if (code === "CredentialsProviderError") {
    return new AwsCallError(
      call,
      code,
      `${permission}: no AWS credentials found`,
      "set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
  }
  const status = failure.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return new AwsCallError(
      call,
      code,
      `${permission} on ${resource} failed after ${plural(attemptsOf(failure), "attempt")}: AWS answered HTTP ${status} (${code}): ${detail}`,
      "AWS had a problem on its side: wait a minute and re-run; raise --max-attempts if it keeps happening",
    );
  }
  return new AwsCallError(call, code, `${permission} on ${resource} failed: ${code}: ${detail}`);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

/** Runs one SDK call, converting failures; `notFound` codes resolve to undefined instead. */
export async function awsCall<T>(
  call: AwsCallContext,
  fn: () => Promise<T>,
  notFound: readonly string[] = [],
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    const code = awsErrorCode(error);
    if (code !== undefined && notFound.includes(code)) return undefined;
    throw toAwsCallError(call, error);
  }
}

/** Like awsCall, for calls whose result must exist. */
export async function awsCallRequired<T>(call: AwsCallContext, fn: () => Promise<T>): Promise<T> {
  return (await awsCall(call, fn)) as T;
}
