import type { ChangeView, StepResult } from "./run.ts";
import type { Status } from "./step.ts";

/** The one set of markers every command prints. */
export const MARK: Record<Status, string> = {
  ok: "OK",
  changed: "CHANGED",
  planned: "PLAN",
  skipped: "SKIP",
  warn: "WARN",
  failed: "FAIL",
  cancelled: "CANCELLED",
};

/** The last line of every dry-run plan. */
export const DRY_RUN_LINE = "dry run: nothing was changed";

/** Where a plan or result applies: `account 123456789012, region eu-west-1` (the account when known). */
export function renderWhere(where: { account?: string | undefined; region?: string | undefined }): string {
  const parts = [
    ...(where.account ? [`account ${where.account}`] : []),
    ...(where.region ? [`region ${where.region}`] : []),
  ];
  return parts.join(", ");
}

/** The account of an ARN (`arn:aws:ecs:eu-west-1:123456789012:...` -> `123456789012`), if it has one. */
export function arnAccount(arn: string | undefined): string | undefined {
  const account = arn?.startsWith("arn:") ? arn.split(":")[4] : undefined;
  return account || undefined;
}

const SYMBOL: Record<ChangeView["action"], string> = {
  create: "+",
  update: "~",
  delete: "-",
  run: ">",
  none: "=",
};

/**
 * One line per step (`OK cluster: cluster edge is ACTIVE`), then its changes (`+ create role X`, with
 * `why:`), its details, and a `fix:` line under a warning or failure.
 */
export function renderSteps(steps: readonly StepResult[]): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    lines.push(`${MARK[step.status]} ${step.id}: ${step.summary}`);
    // Stryker disable next-line ArrayDeclaration: equivalent, a stand-in element has no reason or details so is left out
    const changes = step.changes ?? [];
    // One change without a reason says no more than the step's own line (its plan, or what it did).
    const worth =
      // Stryker disable next-line MethodExpression: equivalent, `some` and `every` differ only on 2+ changes, listed anyway
      changes.length > 1 || changes.some((c) => c.reason !== undefined || c.details !== undefined);
    for (const change of worth ? changes : []) {
      lines.push(`    ${SYMBOL[change.action]} ${change.summary}`);
      if (change.reason) lines.push(`        why: ${change.reason}`);
      for (const detail of change.details ?? []) lines.push(`        ${detail}`);
    }
    for (const detail of step.details ?? []) lines.push(`    ${detail}`);
    if (step.remediation && (step.status === "failed" || step.status === "warn" || step.status === "skipped"))
      lines.push(`  fix: ${step.remediation}`);
  }
  return lines;
}

/** Where a run stopped and what it had applied before, or undefined when no step failed or was cancelled. */
export function renderStop(steps: readonly StepResult[]): string | undefined {
  const stop = steps.find((step) => step.status === "failed" || step.status === "cancelled");
  if (stop === undefined) return undefined;
  const applied = steps.filter((step) => step.status === "changed").map((step) => step.id);
  const verb = stop.status === "cancelled" ? "cancelled at" : "failed at";
  return `${verb} ${stop.id}; applied before it: ${applied.length === 0 ? "nothing" : applied.join(", ")}`;
}

/** Every change of every step, flattened with its step (JSON plans of cloud commands). */
export function flatChanges(steps: readonly StepResult[]) {
  return steps.flatMap((step) =>
    (step.changes ?? []).map((change) => ({
      step: step.id,
      ...change,
      applied: step.status === "changed" && change.action !== "none",
    })),
  );
}
