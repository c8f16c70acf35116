import { type AwsCallContext, AwsCallError } from "../../errors.ts";

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

/** The error name of an SDK exception, or undefined for a non-AWS failure. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const withMeta = error as { name?: string; Code?: string; $metadata?: unknown };
  // The credential chain fails before any request, so its error carries no $metadata.
  if (withMeta.name === "CredentialsProviderError") return withMeta.name;
  if (withMeta.$metadata === undefined && withMeta.Code === undefined) return undefined;
  return withMeta.Code ?? withMeta.name;
}

/** Turns an SDK failure into one line that names the action, the resource and what to do. */
export function toAwsCallError(call: AwsCallContext, error: unknown): AwsCallError {
  const code = awsErrorCode(error) ?? (error as { code?: string })?.code ?? "NetworkError";
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
    // One line that names the action, the resource and the permission to grant (no separate fix line).
    return new AwsCallError(
      call,
      code,
      `access denied: ${what}; grant ${needed} on ${on} to the identity running the agent, then re-run`,
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
