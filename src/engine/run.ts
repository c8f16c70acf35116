import { describeError, OperationError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { Redactor } from "../util/redact.ts";
import { CancelledError } from "./cancel.ts";
import { stallUntilCancelled, stepStall } from "./failpoints.ts";
import type { Change, ChangeAction, Note, Plan, Status, Step } from "./step.ts";

export interface RunOptions {
  dryRun: boolean;
  signal: AbortSignal;
  /** Where each step's result is logged; checks run without one (their results are the output). */
  log?: Logger;
  clock: Clock;
  redactor: Redactor;
  /** `stop`: the first failed step ends the run (register, setup); `continue`: every step runs (deregister). */
  onFailure: "stop" | "continue";
  /** Steps the operator skipped (--skip): reported as skipped, never planned. */
  skip?: ReadonlySet<string>;
  /** Plan every step at once (read-only checks, which never apply anything). */
  concurrent?: boolean;
  /** Called with each result as soon as its step ends (later steps may read what earlier ones did). */
  onStep?: (result: StepResult) => void;
  /** Test failpoints (failpoints.ts): `step-stall:ID` stalls the run inside step ID until it is cancelled. */
  failpoints?: ReadonlySet<string>;
}

/** A change as reports show it (never its apply function). */
export interface ChangeView {
  id: string;
  /** `none`: a note, left as it is on purpose. */
  action: ChangeAction | "none";
  summary: string;
  reason?: string;
  details?: string[];
}

/** One step's result in every report, text and JSON, and in the journal. */
export interface StepResult {
  id: string;
  status: Status;
  summary: string;
  details?: string[];
  remediation?: string;
  changes?: ChangeView[];
  /** The change whose apply failed (its summary): what the step was doing when it stopped. */
  failedChange?: string;
  startedAt: string;
  durationMs: number;
}

export interface RunReport {
  steps: StepResult[];
  /** No step failed and the run was not cancelled (warnings and skips do not count). */
  ok: boolean;
  /** The step that stopped the run and why: its error, or the cancellation. */
  failure?: { step: string; error: unknown };
  cancelled: boolean;
  /** The steps never started because the run stopped before them (in order). */
  notRun: string[];
}

/** The changes a plan would apply (its `apply` shorthand is one change named like the plan). */
export function pendingChanges(plan: Plan, stepId = "change"): Change[] {
  const one: Change[] = plan.apply
    ? [{ id: stepId, action: "run", summary: plan.summary, apply: plan.apply }]
    : [];
  return [...(plan.changes ?? []), ...one];
}

/**
 * Runs steps in order: plan (observe) -> unless dry run, apply each change -> verify. A later step observes
 * the world after the earlier ones applied, so one pass converges. Never throws: failures and cancellation
 * are in the report, with the error that caused them.
 */
export async function runSteps<C>(
  steps: readonly Step<C>[],
  ctx: C,
  options: RunOptions,
): Promise<RunReport> {
  // Stryker disable next-line BooleanLiteral: equivalent, ok and cancelled are always set again before returning
  const report: RunReport = { steps: [], ok: true, cancelled: false, notRun: [] };
  if (options.concurrent) {
    report.steps = await Promise.all(steps.map((step) => runOne(step, ctx, options)));
  } else {
    for (const step of steps) {
      if (options.signal.aborted) {
        report.failure ??= { step: step.id, error: new CancelledError(step.id, options.signal.reason) };
        break;
      }
      const result = await runOne(step, ctx, options, (error) => {
        report.failure ??= { step: step.id, error };
      });
      report.steps.push(result);
      options.onStep?.(result);
      if (result.status === "cancelled") break;
      if (result.status === "failed" && options.onFailure === "stop") {
        report.failure ??= {
          step: step.id,
          error: new OperationError(result.summary, optionalRemediation(result)),
        };
        break;
      }
    }
  }
  report.notRun = steps.slice(report.steps.length).map((step) => step.id);
  report.cancelled = report.steps.some((step) => step.status === "cancelled") || options.signal.aborted;
  if (report.cancelled && report.failure === undefined) {
    const last = report.steps.at(-1)?.id ?? "start";
    report.failure = { step: last, error: new CancelledError(last, options.signal.reason) };
  }
  report.ok = !report.cancelled && report.steps.every((step) => step.status !== "failed");
  return report;
}

async function runOne<C>(
  step: Step<C>,
  ctx: C,
  options: RunOptions,
  onError: (error: unknown) => void = () => {},
): Promise<StepResult> {
  const started = options.clock.now();
  const log = options.log?.child({ step: step.id });
  const finish = (fields: Omit<StepResult, "id" | "startedAt" | "durationMs">): StepResult => {
    const result = options.redactor.scrubValue({
      id: step.id,
      ...fields,
      startedAt: started.toISOString(),
      durationMs: options.clock.now().getTime() - started.getTime(),
    });
    // A failure is the command's to report (one line on stderr); the log keeps it at info like every result.
    log?.info({ status: result.status, durationMs: result.durationMs }, result.summary);
    return result;
  };
  if (options.skip?.has(step.id)) return finish({ status: "skipped", summary: "skipped (--skip)" });
  let plan: Plan | undefined;
  let applying: Change | undefined;
  try {
    log?.debug("observing");
    plan = await step.plan(ctx, options.signal);
    const changes = pendingChanges(plan, step.id);
    const views = [...changes.map(viewOf), ...(plan.notes ?? []).map(noteView)];
    if (changes.length === 0 || options.dryRun) await failpoint(step.id, options);
    if (changes.length === 0) {
      return finish({
        status: plan.status ?? "ok",
        summary: plan.summary,
        ...optionalDetails(plan.details),
        ...optionalRemediation(plan),
        ...(views.length > 0 ? { changes: views } : {}),
      });
    }
    if (options.dryRun) {
      return finish({
        status: "planned",
        summary: plan.summary,
        ...optionalDetails(plan.details),
        changes: views,
      });
    }
    let summary = plan.summary;
    let details = plan.details;
    let changed = false;
    for (const change of changes) {
      if (options.signal.aborted) throw new CancelledError(step.id, options.signal.reason);
      log?.info({ change: change.id, action: change.action, reason: change.reason }, "applying change");
      applying = change;
      const applied = await change.apply({ signal: options.signal });
      applying = undefined;
      if (change === changes[0]) await failpoint(step.id, options);
      changed ||= applied?.status !== "ok";
      if (applied?.summary !== undefined && changes.length === 1) summary = applied.summary;
      if (applied?.details !== undefined)
        details = [...(changes.length === 1 ? [] : (details ?? [])), ...applied.details];
    }
    await step.verify?.(ctx, options.signal);
    return finish({
      status: changed ? "changed" : "ok",
      summary,
      ...optionalDetails(details),
      changes: views,
    });
  } catch (error) {
    const cancelled = options.signal.aborted || error instanceof CancelledError;
    // Whatever a cancelled wait threw (the signal's reason, an abort error), the run was cancelled here.
    onError(
      cancelled && !(error instanceof CancelledError)
        ? new CancelledError(step.id, options.signal.reason)
        : error,
    );
    return finish({
      status: cancelled ? "cancelled" : "failed",
      summary: cancelled ? `cancelled (${describeCancel(options.signal)})` : describeError(error),
      ...(plan ? { changes: pendingChanges(plan, step.id).map(viewOf) } : {}),
      ...(applying ? { failedChange: applying.summary } : {}),
      ...(!cancelled && error instanceof OperationError && error.remediation
        ? { remediation: error.remediation }
        : {}),
    });
  }
}

/** The step-stall failpoint: inside the step, after its first change applied (or its plan, with none). */
async function failpoint(stepId: string, options: RunOptions): Promise<void> {
  const name = stepStall(stepId);
  if (!options.failpoints?.has(name)) return;
  options.log?.warn({ failpoint: name }, "failpoint: the run stalls here until it is cancelled");
  await stallUntilCancelled(options.signal);
}

function noteView(note: Note): ChangeView {
  return { id: note.id, action: "none", summary: note.summary, reason: note.reason };
}

function viewOf(change: Change): ChangeView {
  return {
    id: change.id,
    action: change.action,
    summary: change.summary,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
    ...(change.details === undefined ? {} : { details: change.details }),
  };
}

const optionalDetails = (details: string[] | undefined) =>
  details === undefined || details.length === 0 ? {} : { details };
const optionalRemediation = (from: { remediation?: string | undefined }) =>
  from.remediation === undefined ? {} : { remediation: from.remediation };

function describeCancel(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return typeof reason === "string" ? reason : reason instanceof Error ? reason.message : "aborted";
}

/** Re-plans a step and fails when anything is still pending: the shared `verify` of most cloud steps. */
export async function verifyConverged<C>(step: Step<C>, ctx: C, signal: AbortSignal): Promise<void> {
  const left = pendingChanges(await step.plan(ctx, signal));
  if (left.length > 0) {
    throw new Error(`${step.id} did not converge: ${left.map((change) => change.summary).join("; ")}`);
  }
}
