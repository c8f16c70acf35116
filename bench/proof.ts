// The proof suites' counts for the results table: the test files under test/proof/ (except the soak, which the
// daemon rows run themselves) run once with PROOF_FIGURES_FILE, where each records its figures (test/proof/figures.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "./results.ts";

/** Which figures make a row, and when its goal is met. */
const ROWS: {
  metric: string;
  total: string;
  clean: string;
  goal: string;
  met: (total: number, clean: number) => boolean;
}[] = [
  {
    metric: "bad-input corpus: cases, clean",
    total: "bad_inputs",
    clean: "bad_inputs_clean",
    goal: ">= 60, all",
    met: (t, c) => t >= 60 && c === t,
  },
  {
    metric: "crash points (every step, SIGKILL and SIGTERM): cases, converged",
    total: "crash_points",
    clean: "crash_converged",
    goal: "all",
    met: (t, c) => t > 0 && c === t,
  },
  {
    metric: "AWS fault matrix: cases, clean",
    total: "fault_cases",
    clean: "fault_clean",
    goal: "all",
    met: (t, c) => t > 0 && c === t,
  },
];

export function proofRows(): Row[] {
  const dir = mkdtempSync(join(tmpdir(), "bench-proof-"));
  const file = join(dir, "figures.json");
  try {
    const files = readdirSync("test/proof")
      .filter((name) => name.endsWith(".test.ts") && name !== "soak.test.ts")
      .map((name) => join("test/proof", name));
    const run = spawnSync("npx", ["vitest", "run", ...files], {
      env: { ...process.env, PROOF_FIGURES_FILE: file },
      encoding: "utf8",
    });
    const figures = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
    const rows: Row[] = [];
    for (const row of ROWS) {
      const total = figures[row.total];
      const clean = figures[row.clean];
      if (total === undefined || clean === undefined) continue;
      rows.push({
        metric: row.metric,
        value: `${total}, ${clean}`,
        goal: row.goal,
        met: row.met(total, clean) && run.status === 0,
        figures: { [row.total]: total, [row.clean]: clean },
      });
    }
    const hits = figures.secret_scan_hits;
    if (hits !== undefined) {
      rows.push({
        metric: "secret scan of the whole flow: planted secrets found",
        value: String(hits),
        goal: "0",
        met: hits === 0 && run.status === 0,
        figures: { secret_scan_hits: hits },
      });
    }
    if (run.status !== 0) {
      rows.push({ metric: "proof suites", value: `vitest exited ${run.status}`, goal: "0", met: false });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
