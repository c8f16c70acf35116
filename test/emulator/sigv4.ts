import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** AWS Signature Version 4 (header form): parse, verify, and sign (for plain-fetch users). */

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** AWS accepts a request date up to 15 minutes away from its clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export interface ParsedAuthorization {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface RequestToVerify {
  method: string;
  /** Raw request target: path and query exactly as received. */
  url: string;
  /** Lower-case header name -> all its values. */
  headers: Record<string, string[] | undefined>;
  body: Uint8Array;
}

export type Verification =
  | { ok: true }
  | { ok: false; kind: "mismatch" | "expired" | "incomplete"; message: string };

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = header === undefined ? null : AUTH_RE.exec(header.trim());
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signedHeaders as string).split(";"),
    signature: signature as string,
  };
}

const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

/** RFC 3986 escaping as the SDK does it (encodeURIComponent plus !'()*). */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Non-S3 services: normalize dot segments, then URI-encode the (already encoded) path again. */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : safeDecode(part.slice(eq + 1));
    if (key.toLowerCase() === "x-amz-signature") continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

export function canonicalRequest(req: RequestToVerify, signedHeaders: string[]): string {
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? "" : req.url.slice(q + 1);
  const headerLines = signedHeaders
    .map(
      (name) => `${name}:${(req.headers[name] ?? []).map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`,
    )
    .join("");
  return [
    req.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    headerLines,
    signedHeaders.join(";"),
    sha256Hex(req.body),
  ].join("\n");
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** 20240102T030405Z -> Date */
export function parseAmzDate(s: string | undefined): Date | undefined {
  const m = s === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, se));
}

export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

export function verify(
  req: RequestToVerify,
  auth: ParsedAuthorization,
  secret: string,
  nowMs: number,
): Verification {
  const amzDate = req.headers["x-amz-date"]?.[0];
  const when = parseAmzDate(amzDate);
  if (amzDate === undefined || when === undefined) {
    return {
      ok: false,
      kind: "incomplete",
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    };
  }
  if (!auth.signedHeaders.includes("host")) {
    return {
      ok: false,
      kind: "incomplete",
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    };
  }
  if (amzDate.slice(0, 8) !== auth.date) {
    return {
      ok: false,
      kind: "mismatch",
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    };
  }
  if (when.getTime() < nowMs - MAX_SKEW_MS) {
    const limit = formatAmzDate(new Date(nowMs - MAX_SKEW_MS));
    return {
      ok: false,
      kind: "expired",
      message: `Signature expired: ${amzDate} is now earlier than ${limit} (${formatAmzDate(new Date(nowMs))} - 15 min.)`,
    };
  }
  if (when.getTime() > nowMs + MAX_SKEW_MS) {
    const limit = formatAmzDate(new Date(nowMs + MAX_SKEW_MS));
    return {
      ok: false,
      kind: "expired",
      message: `Signature not yet current: ${amzDate} is still later than ${limit} (${formatAmzDate(new Date(nowMs))} + 15 min.)`,
    };
  }
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const canonical = canonicalRequest(req, auth.signedHeaders);
  const expected = createHmac("sha256", signingKey(secret, auth.date, auth.region, auth.service))
    .update(stringToSign(amzDate, scope, canonical))
    .digest();
  const given = Buffer.from(auth.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      kind: "mismatch",
      message:
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    };
  }
  return { ok: true };
}

export interface SignInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
  now?: Date;
}

/** Adds x-amz-date and Authorization to `headers` (which must include host). For plain-fetch tests and tools. */
export function sign(input: SignInput): Record<string, string> {
  const amzDate = formatAmzDate(input.now ?? new Date());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers["x-amz-date"] = amzDate;
  const signedHeaders = Object.keys(headers).sort();
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const req: RequestToVerify = {
    method: input.method,
    url: input.url,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    body: Buffer.from(input.body),
  };
  const signature = createHmac("sha256", signingKey(input.secretAccessKey, date, input.region, input.service))
    .update(stringToSign(amzDate, scope, canonicalRequest(req, signedHeaders)))
    .digest("hex");
  headers.authorization = `${ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return headers;
}
