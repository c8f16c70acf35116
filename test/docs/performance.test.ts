import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// bench/results.json is what `npm run bench` last wrote; the README's "Performance and reliability" table quotes it.
const results = JSON.parse(readFileSync("bench/results.json", "utf8")) as Record<string, unknown>;
const readme = readFileSync("README.md", "utf8");

/** The figures every published run carries (the proof suites', the daemon's, the fleet's, the CLI's). */
const REQUIRED = [
  "cli_version_vs_node",
  "status_vs_node",
  "daemon_rss_vs_node",
  "daemon_rss_growth_mb",
  "metrics_rps",
  "metrics_p99_ms",
  "setup_rerun_mutating_calls",
  "setup_rerun_read_calls",
  "register_rerun_mutating_calls",
  "register_overhead_s",
  "fleet_hosts",
  "fleet_success_ratio",
  "fleet_calls_vs_min",
  "fleet_p95_vs_min",
  "crash_points",
  "crash_converged",
  "fault_cases",
  "fault_clean",
  "bad_inputs",
  "bad_inputs_clean",
  "secret_scan_hits",
];

/** The rows of the README's table: the results.json keys each names, and its value cell. */
function tableRows(): { keys: string[]; value: string }[] {
  const section = readme.slice(readme.indexOf("## Performance and reliability"));
  const table = section.slice(0, section.indexOf("\n\n", section.indexOf("| figure")));
  return table
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| figure") && !/^\| -/.test(line))
    .map((line) => {
      const [figure = "", value = ""] = line
        .split("|")
        .slice(1)
        .map((cell) => cell.trim());
      const keys = [...figure.matchAll(/`([a-z0-9_]+)`/g)]
        .map((m) => m[1] as string)
        .filter((k) => k in results);
      return { keys, value };
    });
}

describe("the published figures", () => {
  it("bench/results.json holds every required figure as a number, and where it was measured", () => {
    for (const key of REQUIRED) expect(typeof results[key], key).toBe("number");
    expect(results).toMatchObject({ machine: { cpus: expect.any(Number), node: expect.any(String) } });
    expect(Number.isNaN(Date.parse(String(results.measuredAt)))).toBe(false);
  });

  it("the README quotes the figures of bench/results.json, every required one", () => {
    const rows = tableRows();
    const quoted = rows.flatMap((row) => row.keys);
    expect(REQUIRED.filter((key) => !quoted.includes(key))).toEqual([]);
    for (const { keys, value } of rows) {
      const cells = value.split(" / ").map(Number);
      expect(cells.length, value).toBe(keys.length);
      keys.forEach((key, i) => {
        const expected = Math.round((results[key] as number) * 100) / 100;
        expect(cells[i], `${key} in the README`).toBe(expected);
      });
    }
  });
});
