import { asList, POLICY_VERSION, type PolicyDocument, type PolicyStatement } from "./document.ts";
import { wildcardMatch } from "./glob.ts";

/**
 * field notes §5: the instance role trusts ssm.amazonaws.com, with the confused-deputy conditions of the Systems Manager
 * hybrid-activation docs. REGION is the region the activation is created in.
 */
export function ssmTrustStatement(account: string, region: string, partition = "aws"): PolicyStatement {
  return {
    Effect: "Allow",
    Principal: { Service: "ssm.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": account },
      ArnEquals: { "aws:SourceArn": `arn:${partition}:ssm:${region}:${account}:*` },
    },
  };
}

/** field notes §5: execution and task roles trust ecs-tasks.amazonaws.com. */
export function ecsTasksTrustStatement(): PolicyStatement {
  return { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" };
}

export interface TrustMerge {
  document: PolicyDocument;
  changed: boolean;
  reason: string;
  /**
   * Condition keys of `required` (e.g. aws:SourceAccount) that the statement the merge accepted does not carry:
   * set only when they were left out, which happens without `restoreConditions`.
   */
  missingConditions?: string[];
}

export interface TrustMergeOptions {
  /**
   * The role is the agent's own: a statement granting the service without the required condition keys (removed
   * by hand, say) gets them back instead of being accepted as it is.
   */
  restoreConditions?: boolean;
}

// Operators whose values the merge understands; any other operator (or key) makes a statement opaque.
const UNDERSTOOD_OPERATORS = new Set(["stringequals", "stringlike", "arnequals", "arnlike"]);

/**
 * The existing trust policy extended with `required`, never dropping a statement or principal.
 * Pure and idempotent. A statement already granting the service is kept as is when it works for this
 * account/region (no conditions, or conditions that already admit the required values); when its only
 * conditions are the required keys, the missing values are added (a role used from several regions keeps every
 * region's aws:SourceArn); otherwise the required statement is appended next to it.
 */
export function mergeTrust(
  existing: PolicyDocument | undefined,
  required: PolicyStatement,
  options: TrustMergeOptions = {},
): TrustMerge {
  const service = asList(typeof required.Principal === "object" ? required.Principal.Service : undefined)[0];
  if (!service) throw new Error("mergeTrust: the required statement must name a service principal");
  const wanted = requiredValues(required);
  const document: PolicyDocument = existing
    ? structuredClone(existing)
    : { Version: POLICY_VERSION, Statement: [] };

  const candidates = document.Statement.filter((s) => grantsAssumeRole(s, service));
  if (candidates.length === 0) {
    document.Statement.push(structuredClone(required));
    return { document, changed: true, reason: `trust policy does not allow ${service} to assume the role` };
  }
  const works = candidates.filter((s) => missingValues(s, wanted)?.length === 0);
  const complete = works.find((s) => absentKeys(s, required).length === 0);
  if (complete || (works.length > 0 && !options.restoreConditions)) {
    const absent = complete ? [] : absentKeys(works[0] as PolicyStatement, required);
    return {
      document,
      changed: false,
      reason: `trust policy already allows ${service}`,
      ...(absent.length > 0 ? { missingConditions: absent } : {}),
    };
  }
  for (const statement of candidates) {
    const missing = missingValues(statement, wanted);
    if (!missing) continue;
    for (const { operator, key, add } of missing) {
      const block = statement.Condition?.[operator] ?? {};
      block[key] = [...asList(block[key]), ...add];
    }
    const absent = options.restoreConditions ? absentKeys(statement, required) : [];
    for (const key of absent) {
      const [operator, value] = requiredCondition(required, key);
      statement.Condition ??= {};
      statement.Condition[operator] = { ...statement.Condition[operator], [key]: structuredClone(value) };
    }
    const added = missing.flatMap((m) => m.add);
    const reasons = [
      ...(added.length > 0
        ? [`trust policy's conditions for ${service} do not admit ${added.join(", ")}`]
        : []),
      ...(absent.length > 0
        ? [`trust policy's ${service} statement lacks the condition(s) ${absent.join(", ")}`]
        : []),
    ];
    return { document, changed: true, reason: reasons.join("; ") };
  }
  document.Statement.push(structuredClone(required));
  return {
    document,
    changed: true,
    reason: `trust policy lets ${service} assume the role only under conditions the agent does not manage`,
  };
}

/** The condition keys of `required` (as it spells them) that the statement carries under no operator. */
function absentKeys(statement: PolicyStatement, required: PolicyStatement): string[] {
  const present = new Set(
    Object.values(statement.Condition ?? {}).flatMap((block) =>
      Object.keys(block).map((k) => k.toLowerCase()),
    ),
  );
  return Object.values(required.Condition ?? {})
    .flatMap((block) => Object.keys(block))
    .filter((key) => !present.has(key.toLowerCase()));
}

/** The operator and value `required` puts on `key`. */
function requiredCondition(required: PolicyStatement, key: string): [string, string | string[]] {
  for (const [operator, block] of Object.entries(required.Condition ?? {})) {
    if (key in block) return [operator, block[key] as string | string[]];
  }
  throw new Error(`mergeTrust: the required statement has no condition ${key}`);
}

function grantsAssumeRole(statement: PolicyStatement, service: string): boolean {
  if (statement.Effect !== "Allow" || typeof statement.Principal !== "object") return false;
  const actionOk = asList(statement.Action).some((a) =>
    wildcardMatch(a, "sts:AssumeRole", { ignoreCase: true }),
  );
  return actionOk && asList(statement.Principal.Service).includes(service);
}

/** Condition key (lower case, IAM keys are case-insensitive) -> the values the required statement carries. */
function requiredValues(required: PolicyStatement): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  for (const block of Object.values(required.Condition ?? {})) {
    for (const [key, value] of Object.entries(block)) wanted.set(key.toLowerCase(), asList(value));
  }
  return wanted;
}

interface Missing {
  operator: string;
  key: string;
  add: string[];
}

/**
 * What the statement's conditions lack for the required values: [] when they already admit them, undefined when
 * a condition is one the merge does not understand (then the statement is left alone).
 */
function missingValues(statement: PolicyStatement, wanted: Map<string, string[]>): Missing[] | undefined {
  const missing: Missing[] = [];
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    const op = operator.toLowerCase();
    if (!UNDERSTOOD_OPERATORS.has(op)) return undefined;
    for (const [key, value] of Object.entries(block)) {
      const required = wanted.get(key.toLowerCase());
      if (!required) return undefined;
      const have = asList(value);
      const admits = (v: string) => have.some((h) => (op === "stringequals" ? h === v : wildcardMatch(h, v)));
      const add = required.filter((v) => !admits(v));
      if (add.length > 0) missing.push({ operator, key, add });
    }
  }
  return missing;
}
