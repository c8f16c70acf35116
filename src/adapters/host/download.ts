/** What a download produced, as data: the body, or why there is none. Never throws. */
export type Download = { ok: true; body: Buffer } | { ok: false; error: string };

const MAX_BYTES = 16 * 1024 * 1024;

/** GET a URL into memory (install scripts, signatures and keys are small); a non-2xx answer is an error. */
export async function download(url: string, timeoutMs: number): Promise<Download> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    if (!response.ok) return { ok: false, error: `HTTP ${response.status}` };
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_BYTES) return { ok: false, error: `larger than ${MAX_BYTES} bytes` };
    return { ok: true, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name === "TimeoutError" ? "timed out" : undefined;
    return { ok: false, error: name ?? cause ?? (error as Error).message };
  }
}
