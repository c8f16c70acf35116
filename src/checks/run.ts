import { describeError, UsageError } from "../errors.ts";
import type { Check, CheckContext, CheckResult } from "./types.ts";

export interface RunChecksOptions {
  /** Names of checks not to run; an unknown name is a usage error (nothing runs). */
  skip?: readonly string[];
}

/**
 * Runs every check (concurrently: they only read) and returns their results in the given order. One
 * failing or throwing check never stops the others: a throw becomes a fail carrying its message.
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: CheckContext,
  options: RunChecksOptions = {},
): Promise<CheckResult[]> {
  const skip = new Set(options.skip ?? []);
  const known = new Set(checks.map((check) => check.name));
  const unknown = [...skip].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--skip: unknown check ${unknown.map((n) => `"${n}"`).join(", ")} (checks: ${[...known].join(", ")})`,
    );
  }
  const results = await Promise.all(
    checks.map((check) => (skip.has(check.name) ? skipped(check) : runOne(check, ctx))),
  );
  return results.map((result) => ctx.redactor.scrubValue(result));
}

/** True when no check failed (warnings and skips do not count). */
export function allPassed(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.status !== "fail");
}

async function skipped(check: Check): Promise<CheckResult> {
  return { name: check.name, status: "skip", message: "skipped (--skip)" };
}

async function runOne(check: Check, ctx: CheckContext): Promise<CheckResult> {
  try {
    return await check.run(ctx);
  } catch (error) {
    return {
      name: check.name,
      status: "fail",
      message: `the check itself failed: ${describeError(error)}`,
      remediation: `re-run with --log-level debug, or --skip ${check.name} if it does not apply to this host`,
    };
  }
}
