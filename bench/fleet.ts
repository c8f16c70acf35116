// A fleet registering at once, at full size: 1,000 hosts, one single-use activation each, against one emulator with
// the published rate limits (IAM 20/s, SSM 10/s, ECS 50/s) and IAM propagation delay on (test/proof/fleet.ts says
// what is simulated and how). About 2 minutes: SSM's 10 activations a second set the pace. `npx tsx bench/fleet.ts`
// runs only these rows; `--compare` adds the other ways to roll out (about 2 minutes more), for the README's table.

import { fileURLToPath } from "node:url";
import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";
import { FLEET_RATES, type FleetOptions, type FleetResult, simulateFleet } from "../test/proof/fleet.ts";

interface Row {
  metric: string;
  value: string;
  goal: string;
  met: boolean;
}

/** The keys `bench/results.json` takes from the fleet. */
export interface FleetResults {
  fleet_hosts: number;
  fleet_success_ratio: number;
  fleet_calls_vs_min: number;
  fleet_p95_vs_min: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const throttled = (fleet: FleetResult) =>
  Object.values(fleet.byService).reduce((sum, service) => sum + service.throttled, 0);

/** The rows and numbers of the full-size fleet (BENCH_FLEET_HOSTS changes the count). */
export async function fleetRows(
  hosts = Number(process.env.BENCH_FLEET_HOSTS ?? 1000),
): Promise<{ rows: Row[]; results: FleetResults }> {
  const fleet = await simulateFleet({ hosts, strategy: "per-host", rates: FLEET_RATES });
  const rows: Row[] = [
    {
      metric: `fleet of ${hosts} at once, one activation each: hosts registered`,
      value: `${fleet.succeeded} of ${hosts} (${(100 * fleet.successRatio).toFixed(1)}%)`,
      goal: "100%",
      met: fleet.successRatio === 1,
    },
    {
      metric: "... AWS calls / minimum (setup's, 1 activation + 1 check per host)",
      value: `${fleet.callsVsMin.toFixed(3)}x (${fleet.calls} vs ${fleet.minCalls}; ${throttled(fleet)} throttled)`,
      goal: "<= 1.2x",
      met: fleet.callsVsMin <= 1.2,
    },
    {
      metric: "... p95 completion / rate-limited minimum",
      value: `${fleet.p95VsMin.toFixed(3)}x (${seconds(fleet.p95Ms)} vs ${seconds(fleet.minTimeMs)})`,
      goal: "<= 1.5x",
      met: fleet.p95VsMin <= 1.5,
    },
    {
      metric: "... all hosts done; IAM propagation left at the start",
      value: `${seconds(fleet.wallMs)}; ${seconds(fleet.propagationLeftMs)}`,
      goal: "reported",
      met: true,
    },
    ...(fleet.failures.length > 0
      ? [{ metric: "... first failures", value: fleet.failures.join(" | "), goal: "none", met: false }]
      : []),
  ];
  return {
    rows,
    results: {
      fleet_hosts: hosts,
      fleet_success_ratio: fleet.successRatio,
      fleet_calls_vs_min: fleet.callsVsMin,
      fleet_p95_vs_min: fleet.p95VsMin,
    },
  };
}

/** The other ways to roll out the same fleet, for comparison (reported, no goal). */
export async function fleetComparisonRows(
  hosts = Number(process.env.BENCH_FLEET_HOSTS ?? 1000),
): Promise<Row[]> {
  const ways: { label: string; options: FleetOptions }[] = [
    {
      label: "one activation each, created unpaced (standard SDK retries only)",
      options: { hosts, strategy: "per-host", rates: FLEET_RATES, pacing: false },
    },
    {
      label: "each host creates its own activation at once",
      options: { hosts, strategy: "host-creates", rates: FLEET_RATES },
    },
    {
      label: `one shared activation (registration limit ${hosts})`,
      options: { hosts, strategy: "shared", rates: FLEET_RATES },
    },
  ];
  const rows: Row[] = [];
  for (const { label, options } of ways) {
    const fleet = await simulateFleet(options);
    const p95 = Number.isFinite(fleet.p95Ms)
      ? `p95 ${seconds(fleet.p95Ms)} (${fleet.p95VsMin.toFixed(2)}x its minimum ${seconds(fleet.minTimeMs)})`
      : "p95 never (over 5% failed)";
    rows.push({
      metric: `fleet of ${hosts}, ${label}`,
      value: `${(100 * fleet.successRatio).toFixed(1)}% registered, ${fleet.callsVsMin.toFixed(2)}x calls (${throttled(fleet)} throttled), ${p95}`,
      goal: "reported",
      met: true,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  dropSdkNodeVersionWarning();
  const { rows, results } = await fleetRows();
  if (process.argv.includes("--compare")) rows.push(...(await fleetComparisonRows()));
  const width = Math.max(...rows.map((row) => row.metric.length));
  const valueWidth = Math.max(34, ...rows.map((row) => row.value.length));
  const goalWidth = Math.max(...rows.map((row) => row.goal.length));
  console.log(`${"metric".padEnd(width)}  ${"value".padEnd(valueWidth)}  ${"goal".padEnd(goalWidth)}  met`);
  for (const row of rows) {
    console.log(
      `${row.metric.padEnd(width)}  ${row.value.padEnd(valueWidth)}  ${row.goal.padEnd(goalWidth)}  ${row.met ? "yes" : "NO"}`,
    );
  }
  console.log(JSON.stringify(results));
}
