// One row of the bench's table, and bench/results.json: the figures by name, with the machine they came from.
import { writeFileSync } from "node:fs";
import os from "node:os";

export interface Row {
  metric: string;
  value: string;
  goal: string;
  met: boolean;
  /** Numeric figures for bench/results.json (snake_case keys, see bench/README.md). */
  figures?: Record<string, number>;
}

/** Writes every row's figures, the goals met and the machine to `path`; returns the figures. */
export function writeResults(rows: readonly Row[], path: string): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const row of rows) Object.assign(figures, row.figures ?? {});
  const document = {
    measuredAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    },
    ...figures,
    goalsMet: rows.filter((row) => row.met).length,
    goals: rows.length,
  };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return figures;
}

/** The table: one line per row, with its goal and whether it was met. */
export function printRows(rows: readonly Row[]): void {
  const width = Math.max(...rows.map((row) => row.metric.length));
  const goalWidth = Math.max(...rows.map((row) => row.goal.length));
  console.log(`${"metric".padEnd(width)}  ${"value".padEnd(34)}  ${"goal".padEnd(goalWidth)}  met`);
  for (const row of rows) {
    console.log(
      `${row.metric.padEnd(width)}  ${row.value.padEnd(34)}  ${row.goal.padEnd(goalWidth)}  ${row.met ? "yes" : "NO"}`,
    );
  }
}
