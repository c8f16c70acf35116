/**
 * Minimal XML writer for AWS query-protocol answers, shaped the way the v3 SDK's XmlShapeDeserializer reads them:
 * lists as `<member>` children, maps as `<entry><key/><value/></entry>`, booleans `true`/`false`,
 * timestamps ISO 8601 (`2024-01-02T03:04:05Z`), absent members omitted.
 */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | readonly XmlValue[]
  | ReadonlyMap<string, XmlValue>
  | { readonly [key: string]: XmlValue };

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;");
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function body(value: XmlValue): string {
  if (value === undefined) return "";
  if (typeof value === "string") return escapeXml(value);
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return isoSeconds(value);
  if (Array.isArray(value)) return value.map((v) => element("member", v)).join("");
  if (value instanceof Map) {
    let out = "";
    for (const [k, v] of value) out += `<entry>${element("key", k)}${element("value", v)}</entry>`;
    return out;
  }
  return Object.entries(value as { readonly [key: string]: XmlValue })
    .map(([k, v]) => element(k, v))
    .join("");
}

export function element(name: string, value: XmlValue): string {
  if (value === undefined) return "";
  const inner = body(value);
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}
