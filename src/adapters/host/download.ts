/** What a download produced, as data: the body, or why there is none. Never throws. */
export type Download = { ok: true; body: Buffer } | { ok: false; error: string };

const MAX_BYTES = 16 * 1024 * 1024;
const TOO_LARGE = `larger than ${MAX_BYTES} bytes`;

/**
 * GET a URL into memory (install scripts, signatures and keys are small); a non-2xx answer is an error, and
 * so is a body over MAX_BYTES, found out while reading it (never buffered whole first).
 */
export async function download(url: string, timeoutMs: number, cancel?: AbortSignal): Promise<Download> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  try {
    const response = await fetch(url, { signal, redirect: "follow" });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `HTTP ${response.status}` };
    }
    if (Number(response.headers.get("content-length")) > MAX_BYTES) {
      await response.body?.cancel();
      return { ok: false, error: TOO_LARGE };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_BYTES) return { ok: false, error: TOO_LARGE }; // leaving the loop cancels the stream
      chunks.push(chunk);
    }
    return { ok: true, body: Buffer.concat(chunks) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = cancel?.aborted
      ? "cancelled"
      : (error as Error).name === "TimeoutError"
        ? "timed out"
        : undefined;
    return { ok: false, error: name ?? cause ?? (error as Error).message };
  }
}
