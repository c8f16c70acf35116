import type { IncomingMessage } from "node:http";
import { type ProxyRoute, ProxyUnreachableError } from "../aws/proxy-route.ts";
import { clientFor } from "./http-probe.ts";

/** What a download produced, as data: the body, or why there is none. Never throws. */
export type Download = { ok: true; body: Buffer } | { ok: false; error: string };

const MAX_BYTES = 16 * 1024 * 1024;
const TOO_LARGE = `larger than ${MAX_BYTES} bytes`;
/** Redirects followed before giving up (a mirror or a bucket's alias needs one or two). */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GETs `url` directly, or through the host's HTTP proxy as the agent's own AWS calls go (field notes §10.7: CONNECT
 * tunnels, hosts in its NO_PROXY directly), following redirects. Resolves with the final answer, whatever its status,
 * its body unread; rejects on a network error, a refused tunnel, too many redirects, or once `signal` aborts.
 */
export async function openGet(
  url: string,
  signal: AbortSignal,
  proxy?: ProxyRoute,
): Promise<IncomingMessage> {
  let target = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const connection = await clientFor(target, proxy);
    if (connection === undefined) throw new Error(`unsupported scheme ${target.protocol}`);
    const { client, agent } = connection;
    const request = { method: "GET", agent, signal, headers: { connection: "close" } };
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      client
        .request(target, request, resolve)
        .on("error", (error) =>
          // The URL without its query (a signed URL's signature) or userinfo: what was being fetched.
          reject(
            error instanceof ProxyUnreachableError ? error.for(`${target.origin}${target.pathname}`) : error,
          ),
        )
        .end();
    });
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) return response;
    response.resume();
    if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    target = new URL(location, target);
  }
}

/**
 * openGet for a body of at most `maxBytes`: the answer when it is 2xx and announces no larger body, else why not
 * (its body discarded). Rejects as openGet does; the body may still turn out larger than it announced.
 */
export async function openBody(
  url: string,
  signal: AbortSignal,
  maxBytes: number,
  proxy?: ProxyRoute,
): Promise<{ ok: true; body: IncomingMessage } | { ok: false; error: string }> {
  const response = await openGet(url, signal, proxy);
  const status = response.statusCode ?? 0;
  const error =
    status < 200 || status > 299
      ? `HTTP ${status}`
      : Number(response.headers["content-length"]) > maxBytes
        ? `larger than ${maxBytes} bytes`
        : undefined;
  if (error === undefined) return { ok: true, body: response };
  response.destroy();
  return { ok: false, error };
}

/**
 * Why a download under `signal` failed: cancelled, timed out, the proxy that could not be reached (by host and port,
 * with the target), or the error's code (else its message).
 */
export function downloadFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted)
    return (signal.reason as Error | undefined)?.name === "TimeoutError" ? "timed out" : "cancelled";
  if (error instanceof ProxyUnreachableError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" && code !== "" ? code : (error as Error).message;
}

/**
 * GET a URL into memory (install scripts, signatures and keys are small), through the proxy when given one; a
 * non-2xx answer is an error, and so is a body over MAX_BYTES, found out while reading it (never buffered whole
 * first).
 */
export async function download(
  url: string,
  timeoutMs: number,
  cancel?: AbortSignal,
  proxy?: ProxyRoute,
): Promise<Download> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  try {
    const answer = await openBody(url, signal, MAX_BYTES, proxy);
    if (!answer.ok) return answer;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BYTES) return { ok: false, error: TOO_LARGE }; // leaving the loop destroys the stream
      chunks.push(chunk);
    }
    return { ok: true, body: Buffer.concat(chunks) };
  } catch (error) {
    return { ok: false, error: downloadFailure(error, signal) };
  }
}
