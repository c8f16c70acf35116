import { EmulatorError } from "./errors.ts";

/** IAM policy-document checks: the subset of IAM's grammar validation that catches real mistakes. */

export type PolicyKind = "trust" | "identity";

const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);

function malformed(message: string): never {
  throw new EmulatorError("MalformedPolicyDocument", message, 400);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringOrStrings(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));
}

function checkActions(v: unknown): void {
  if (!stringOrStrings(v)) malformed("Syntax errors in policy.");
  for (const a of Array.isArray(v) ? v : [v]) {
    if (a !== "*" && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/i.test(a as string)) {
      malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
    }
  }
}

function checkPrincipal(v: unknown): void {
  if (v === "*") return;
  if (!isRecord(v) || Object.keys(v).length === 0) malformed("Invalid principal in policy");
  for (const [k, p] of Object.entries(v)) {
    if (!["AWS", "Service", "Federated", "CanonicalUser"].includes(k) || !stringOrStrings(p)) {
      malformed("Invalid principal in policy");
    }
  }
}

/** Size as IAM counts it: without insignificant white space. */
export function policySize(document: string): number {
  try {
    return JSON.stringify(JSON.parse(document)).length;
  } catch {
    return document.length;
  }
}

export function validatePolicy(document: string, kind: PolicyKind): void {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    malformed("Syntax errors in policy.");
  }
  if (!isRecord(doc)) malformed("Syntax errors in policy.");
  for (const key of Object.keys(doc)) {
    if (!["Version", "Id", "Statement"].includes(key))
      malformed(`Syntax errors in policy. Unknown field ${key}`);
  }
  if (doc.Version === undefined) malformed("Missing required field Version");
  if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17")
    malformed("The policy failed legacy parsing");
  if (doc.Statement === undefined) malformed("Missing required field Statement");
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) malformed("Missing required field Statement");
  for (const s of statements) {
    if (!isRecord(s)) malformed("Syntax errors in policy.");
    for (const key of Object.keys(s)) {
      if (!STATEMENT_KEYS.has(key)) malformed(`Syntax errors in policy. Unknown field ${key}`);
    }
    if (s.Effect === undefined) malformed("Missing required field Effect");
    if (s.Effect !== "Allow" && s.Effect !== "Deny") malformed(`Invalid effect: ${String(s.Effect)}`);
    if (s.Action === undefined && s.NotAction === undefined) malformed("Missing required field Action");
    checkActions(s.Action ?? s.NotAction);
    const principal = s.Principal ?? s.NotPrincipal;
    const resource = s.Resource ?? s.NotResource;
    if (kind === "trust") {
      if (principal === undefined) malformed("Missing required field Principal");
      checkPrincipal(principal);
      if (resource !== undefined) malformed("Has prohibited field Resource");
    } else {
      if (principal !== undefined) malformed("Policy document should not specify a principal.");
      if (resource === undefined) malformed("Missing required field Resource");
      if (!stringOrStrings(resource)) malformed("Syntax errors in policy.");
    }
    if (s.Condition !== undefined) {
      if (!isRecord(s.Condition) || !Object.values(s.Condition).every(isRecord))
        malformed("Syntax errors in policy.");
    }
  }
}

/** Whether a trust policy lets `service` (e.g. "ssm.amazonaws.com") assume the role. */
export function trustsService(document: string, service: string): boolean {
  try {
    const doc = JSON.parse(document) as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return statements.some((s) => {
      if (!isRecord(s) || s.Effect !== "Allow" || !isRecord(s.Principal)) return false;
      const svc = s.Principal.Service;
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      const assumes = actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*");
      return assumes && (svc === service || (Array.isArray(svc) && svc.includes(service)));
    });
  } catch {
    return false;
  }
}
