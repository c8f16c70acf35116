import { allPassed } from "./run.ts";
import type { CheckResult, CheckStatus } from "./types.ts";

export interface CheckDocument {
  checks: CheckResult[];
  ok: boolean;
}

/** The `--output json` document: `{"checks":[{name,status,message,remediation?}],"ok":bool}`. */
export function checkDocument(results: readonly CheckResult[]): CheckDocument {
  return {
    checks: results.map(({ name, status, message, remediation }) => ({
      name,
      status,
      message,
      ...(remediation === undefined ? {} : { remediation }),
    })),
    ok: allPassed(results),
  };
}

/** One line per check (`PASS root: running as root`), a `  fix:` line under each problem, then a summary. */
export function renderChecks(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.status.toUpperCase()} ${result.name}: ${result.message}`);
    if (result.remediation !== undefined && result.status !== "pass")
      lines.push(`  fix: ${result.remediation}`);
  }
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length;
  lines.push("");
  lines.push(
    `${count("pass")} passed, ${count("warn")} warning(s), ${count("fail")} failed, ${count("skip")} skipped: ` +
      (allPassed(results)
        ? "this host is ready for ECS Anywhere"
        : "fix the failures above, then re-run check"),
  );
  return lines.join("\n");
}
