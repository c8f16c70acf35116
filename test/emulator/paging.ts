/** Opaque page tokens (base64url JSON offsets) shared by every paged list. */

export interface Page<T> {
  items: T[];
  /** Token for the next page; undefined on the last page. */
  next?: string;
}

export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), "utf8").toString("base64url");
}

/** undefined when the token is not one this emulator issued. */
export function decodeToken(token: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    return typeof v.o === "number" && Number.isInteger(v.o) && v.o >= 0 ? v.o : undefined;
  } catch {
    return undefined;
  }
}

/** One page of `items`; page size = min(max, pageSize). `invalid` is called for a bad token. */
export function paginate<T>(
  items: readonly T[],
  token: string | undefined,
  max: number | undefined,
  pageSize: number,
  invalid: () => never,
): Page<T> {
  let offset = 0;
  if (token !== undefined && token !== "") {
    const decoded = decodeToken(token);
    if (decoded === undefined || decoded > items.length) invalid();
    offset = decoded;
  }
  const size = Math.max(1, Math.min(max ?? pageSize, pageSize));
  const slice = items.slice(offset, offset + size);
  const nextOffset = offset + slice.length;
  return { items: slice, next: nextOffset < items.length ? encodeToken(nextOffset) : undefined };
}
