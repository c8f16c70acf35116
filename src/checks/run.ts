import { runSteps, type StepResult } from "../engine/run.ts";
import { UsageError } from "../errors.ts";
import type { Check, CheckContext } from "./types.ts";

export interface RunChecksOptions {
  /** Names of checks not to run; an unknown name is a usage error (nothing runs). */
  skip?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Runs every check (concurrently: they only read) and returns their results in the given order. One
 * failing or throwing check never stops the others.
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: CheckContext,
  options: RunChecksOptions = {},
): Promise<StepResult[]> {
  const skip = new Set(options.skip ?? []);
  const known = new Set(checks.map((check) => check.id));
  const unknown = [...skip].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--skip: unknown check ${unknown.map((n) => `"${n}"`).join(", ")} (checks: ${[...known].join(", ")})`,
    );
  }
  const report = await runSteps(checks, ctx, {
    dryRun: true,
    concurrent: true,
    signal: options.signal ?? new AbortController().signal,
    clock: ctx.clock,
    redactor: ctx.redactor,
    onFailure: "continue",
    skip,
  });
  return report.steps;
}

/** True when no check failed (warnings and skips do not count). */
export function allPassed(results: readonly StepResult[]): boolean {
  return results.every((result) => result.status !== "failed");
}
