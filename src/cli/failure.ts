import { renderSteps, renderStop } from "../engine/render.ts";
import type { StepResult } from "../engine/run.ts";
import { exitCodeOf, OperationError, UsageError } from "../errors.ts";
import { withoutStackFrames } from "../util/escape.ts";
import type { CliDeps, Context } from "./context.ts";
import type { OutputFormat } from "./io.ts";

/**
 * One line on stderr (plus a remediation line when known), never a stack trace, never a secret. A run that
 * stopped part-way also shows what it did before the failure (its steps), in text and in JSON. A run
 * cancelled by SIGINT/SIGTERM says where it stopped and exits 130/143, as a shell would.
 */
export function reportFailure(
  ctx: Context | undefined,
  deps: CliDeps,
  error: unknown,
  output: OutputFormat = ctx?.output ?? "text",
): number {
  const scrub = (text: string) => ctx?.redactor.scrub(text) ?? text;
  const cancelledBy = deps.signal?.aborted ? String(deps.signal.reason) : undefined;
  const kind = error instanceof UsageError ? "error (input)" : "error";
  const message = cancelledBy
    ? error instanceof Error && error.name === "CancelledError"
      ? error.message
      : `cancelled (${cancelledBy})`
    : withoutStackFrames(error instanceof Error ? error.message : String(error));
  const ran = ranOf(error);
  const steps = ran?.steps;
  // What was done before the failure: diagnostics, so on stderr with the error (stdout stays the result).
  if (ran && output !== "json") {
    const stop = renderStop(ran.steps);
    // The error's own fix follows the error line: printed once.
    const fix = remediationOf(error);
    const table = ran.steps.map(({ remediation, ...step }) =>
      remediation === undefined || remediation === fix ? step : { ...step, remediation },
    );
    const lines = [...renderSteps(table), ...(stop ? [stop, countLine(ran)] : [])];
    deps.stderr(scrub(`${lines.join("\n")}\n`));
  }
  deps.stderr(scrub(`${cancelledBy ? "cancelled" : kind}: ${message}\n`));
  const fix = cancelledBy ? undefined : remediationOf(error);
  if (fix) deps.stderr(scrub(`  fix: ${fix}\n`));
  if (!(error instanceof UsageError) && !(error instanceof OperationError)) {
    // The stack trace of a bug: only at --log-level debug (the logger keeps it from every other level).
    ctx?.log.debug({ error }, "unexpected failure");
  }
  if (output === "json") {
    // Scripts reading stdout always get one JSON document, failures included.
    // A config error's every problem ({path, message, file, line}), carried as the usage error's cause; read
    // by shape so that --help and --version never load the config module.
    const cause = error instanceof Error ? (error.cause as { problems?: unknown } | null | undefined) : null;
    const problems = cause?.problems;
    const document = {
      ok: false,
      ...(steps ? { steps, notRun: ran?.notRun ?? [] } : {}),
      error: {
        kind: cancelledBy ? "cancelled" : error instanceof UsageError ? "input" : "operation",
        message,
        ...(fix ? { remediation: fix } : {}),
        ...(problems ? { problems } : {}),
      },
    };
    deps.stdout(scrub(`${JSON.stringify(document, null, 2)}\n`));
  }
  if (cancelledBy) return cancelledBy === "SIGINT" ? 130 : 143;
  return exitCodeOf(error);
}

/** The fix an operation or input error carries, if any. */
function remediationOf(error: unknown): string | undefined {
  return error instanceof OperationError || error instanceof UsageError ? error.remediation : undefined;
}

/** What a run did before it stopped, as a flow attaches it to its error. */
export interface StoppedRun {
  steps: StepResult[];
  /** The steps never started because the run stopped before them. */
  notRun?: string[];
}

/** Attaches what the run did to the error that stopped it, so the failure report can show it. */
export function withRun<E>(error: E, run: StoppedRun): E {
  return typeof error === "object" && error !== null
    ? Object.assign(error, { report: { steps: run.steps, notRun: run.notRun ?? [] } })
    : error;
}

/** The step results a flow attached to its error (what was done before it stopped). */
function ranOf(error: unknown): { steps: StepResult[]; notRun: string[] } | undefined {
  const report = (error as { report?: Partial<StoppedRun> } | undefined)?.report;
  if (!Array.isArray(report?.steps) || report.steps.length === 0) return undefined;
  return { steps: report.steps, notRun: Array.isArray(report.notRun) ? report.notRun : [] };
}

/** `completed 8 of 9 steps; failed: create cluster edge; not run: state`: how far the run got. */
function countLine(ran: { steps: StepResult[]; notRun: string[] }): string {
  const stop = ran.steps.find((step) => step.status === "failed" || step.status === "cancelled");
  const completed = ran.steps.filter((step) => step !== stop).length;
  const total = ran.steps.length + ran.notRun.length;
  const what = stop ? `; ${stop.status}: ${stop.failedChange ?? stop.id}` : "";
  const rest = ran.notRun.length > 0 ? `; not run: ${ran.notRun.join(", ")}` : "";
  return `completed ${completed} of ${total} steps${what}${rest}`;
}
