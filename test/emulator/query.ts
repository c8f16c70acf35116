import { element, escapeXml, type XmlValue } from "./xml.ts";

/** AWS query protocol (IAM, STS): form-encoded requests, XML answers. */

type Node = { [key: string]: Node | string };

export const QUERY_NAMESPACES = {
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
} as const;

export type QueryService = keyof typeof QUERY_NAMESPACES;

function newNode(): Node {
  return Object.create(null) as Node;
}

/** `member` containers become arrays (ordered by index); `entry` containers become {key: value} records. */
function normalize(node: Node | string): unknown {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === "member" || only === "entry") {
    const container = node[only];
    if (container === undefined || typeof container === "string") return [];
    const items = Object.keys(container)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => normalize(container[k] as Node | string));
    if (only === "member") return items;
    const record: Record<string, unknown> = Object.create(null);
    for (const item of items) {
      const entry = item as { key?: unknown; value?: unknown };
      if (typeof entry.key === "string") record[entry.key] = entry.value;
    }
    return record;
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const k of keys) out[k] = normalize(node[k] as Node | string);
  return out;
}

/** `Tags.member.1.Key=a` -> { Tags: [{ Key: "a" }] }. Also returns Action and Version. */
export function parseQueryParams(params: URLSearchParams): {
  action?: string;
  version?: string;
  data: Record<string, unknown>;
} {
  const root = newNode();
  for (const [key, value] of params) {
    if (key === "Action" || key === "Version") continue;
    const parts = key.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i] as string;
      const next = node[part];
      if (typeof next === "object") node = next;
      else {
        const created = newNode();
        node[part] = created;
        node = created;
      }
    }
    const last = parts[parts.length - 1] as string;
    if (typeof node[last] !== "object") node[last] = value;
  }
  return {
    action: params.get("Action") ?? undefined,
    version: params.get("Version") ?? undefined,
    data: normalize(root) as Record<string, unknown>,
  };
}

export function querySuccess(
  service: QueryService,
  action: string,
  result: XmlValue,
  requestId: string,
): string {
  const resultXml = result === undefined ? "" : element(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${QUERY_NAMESPACES[service]}">${resultXml}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryError(
  service: QueryService,
  code: string,
  message: string,
  status: number,
  requestId: string,
): string {
  const type = status >= 500 ? "Receiver" : "Sender";
  return (
    `<ErrorResponse xmlns="${QUERY_NAMESPACES[service]}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
