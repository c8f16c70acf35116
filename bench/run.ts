// `npm run bench`: performance as ratios against baselines measured in the same run, and AWS call counts.

import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";
import { type Emulator, startEmulator } from "../test/emulator/index.ts";
import { createFakeHost } from "../test/fixtures/host.ts";
import { startSignedInstallScript } from "../test/fixtures/signed-script.ts";
import { type CliResult, cli, emulatorEnv } from "../test/support/cli.ts";
import { daemonRows } from "./daemon.ts";
import { fleetRows } from "./fleet.ts";
import { healthServerRowsAsDaemon } from "./health.ts";
import { proofRows } from "./proof.ts";
import { printRows, type Row, writeResults } from "./results.ts";
import { ratioAgainstBaseline, timeCommand } from "./timing.ts";
import { nodeOf, PRODUCTION_NODE, plainEnv, THIS_NODE } from "./unit-env.ts";
import { unitExposure } from "./unit-security.ts";

dropSdkNodeVersionWarning();
const rows: Row[] = [];
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

// 1. Start-up cost of the bundle: --version must not pay for the AWS SDK. On this Node and on Node 22 (production
// runs 22/24), with the bundle's code cache (src/boot/): the warm-up run fills it, as an operator's first run does.
/** One start-up row: --version on `node` against `node -e 0` on the same binary. */
function startupRow(
  node: string,
  label: string,
  goal: number | undefined,
  env: NodeJS.ProcessEnv = plainEnv(),
  figure?: string,
): Row {
  const startup = ratioAgainstBaseline(
    () => timeCommand(node, ["dist/ecs-anywhere-agent.mjs", "--version"], env),
    () => timeCommand(node, ["-e", "0"], env),
    rounds,
  );
  return {
    metric: `--version wall time / node -e 0, ${label}`,
    value: `${startup.ratio.toFixed(2)}x (${startup.candidateMs.toFixed(1)} ms vs ${startup.baselineMs.toFixed(1)} ms)`,
    goal: goal === undefined ? "reported" : `<= ${goal}x`,
    met: goal === undefined || startup.ratio <= goal,
    ...(figure === undefined ? {} : { figures: { [figure]: round(startup.ratio) } }),
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const node22 = nodeOf(PRODUCTION_NODE);
const major = THIS_NODE;
rows.push(
  startupRow(process.execPath, `Node ${major}`, major >= 22 ? 1.5 : 1.8, plainEnv(), "cli_version_vs_node"),
);
rows.push(startupRow(node22, "Node 22", 1.5));
rows.push(
  startupRow(node22, "Node 22, no code cache", undefined, {
    ...plainEnv(),
    NODE_DISABLE_COMPILE_CACHE: "1",
  }),
);

/** The emulator's recorded calls since the last clearCalls(), split into mutating and read calls. */
function callCounts(emu: Emulator): { mutating: number; reads: number } {
  const calls = emu.calls();
  const mutating = calls.filter((call) => call.mutating).length;
  return { mutating, reads: calls.length - mutating };
}

/** Runs the CLI in-process; throws with its stderr unless it exits 0. */
async function mustRun(what: string, ...args: Parameters<typeof cli>): Promise<CliResult> {
  const run = await cli(...args);
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr}`);
  return run;
}

// 2. AWS calls of a converged `setup` re-run, through the real SDK against the emulator.
const emulator = await startEmulator();
try {
  const env = emulatorEnv(emulator.url);
  await mustRun("setup", ["setup"], env);
  emulator.clearCalls();
  await mustRun("setup re-run", ["setup"], env);
  const { mutating, reads } = callCounts(emulator);
  rows.push({
    metric: "converged setup re-run: mutating AWS calls",
    value: String(mutating),
    goal: "0",
    met: mutating === 0,
    figures: { setup_rerun_mutating_calls: mutating },
  });
  rows.push({
    metric: "converged setup re-run: read AWS calls",
    value: String(reads),
    goal: "<= 8",
    met: reads <= 8,
    figures: { setup_rerun_read_calls: reads },
  });
} finally {
  await emulator.stop();
}

// 3. register on a fake host against the emulator: the agent's own wall time (total minus the fixture script's
// own run time), and the AWS calls of a fresh register and of a re-run on the registered host.
{
  // The cluster exists already (setup made it): register never creates one.
  const emu = await startEmulator({ clusters: [{ name: "edge", region: "eu-west-1" }] });
  const host = await createFakeHost({ emulatorUrl: emu.url });
  const signed = await startSignedInstallScript("Amazon ECS (bench)");
  try {
    const env = emulatorEnv(emu.url, host.env);
    const argv = [
      "register",
      "--output",
      "json",
      "--root",
      host.root,
      "--ecs-agent-url",
      host.introspectionUrl,
      "--cluster",
      "edge",
      ...signed.registerArgs,
    ];
    const asRoot = { host: { system: { uid: () => 0 } } };
    emu.clearCalls();
    const start = process.hrtime.bigint();
    const first = await mustRun("register", argv, env, asRoot);
    const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    const scriptMs = JSON.parse(first.stdout).scriptDurationMs as number;
    const fresh = callCounts(emu);
    const agentMs = totalMs - scriptMs;
    rows.push({
      metric: "register wall time minus the script's own",
      value: `${(agentMs / 1000).toFixed(2)} s (total ${(totalMs / 1000).toFixed(2)} s)`,
      goal: "<= 1.5 s",
      met: agentMs <= 1500,
      figures: { register_overhead_s: round(agentMs / 1000) },
    });
    rows.push({
      metric: "fresh register: mutating / read AWS calls",
      value: `${fresh.mutating} / ${fresh.reads}`,
      goal: "reported",
      met: true,
    });
    emu.clearCalls();
    await mustRun("register re-run", argv, env, asRoot);
    const rerun = callCounts(emu);
    rows.push({
      metric: "register re-run: mutating / read AWS calls",
      value: `${rerun.mutating} / ${rerun.reads}`,
      goal: "0 mutating",
      met: rerun.mutating === 0,
      figures: { register_rerun_mutating_calls: rerun.mutating, register_rerun_read_calls: rerun.reads },
    });
  } finally {
    await signed.stop();
    await host.cleanup();
    await emu.stop();
  }
}

// 4. How exposed the daemon's unit leaves the host, by systemd's own review (0 best, 10 worst). What is left is
// inherent to the job: root, the network, notifications from a child process, a JIT.
{
  const exposure = unitExposure("systemd/ecs-anywhere-agent.service");
  rows.push({
    metric: "agent unit: systemd-analyze security exposure",
    value: `${exposure.score.toFixed(1)} (${exposure.level})`,
    goal: "<= 2.0",
    met: exposure.score <= 2.0,
    figures: { unit_security_exposure: exposure.score },
  });
}

// 5. The daemon's health server under a Prometheus-like load on /metrics, in the environment of the daemon's unit;
// `npx tsx bench/health.ts` runs it alone, in this process.
rows.push(...healthServerRowsAsDaemon());

// 6. The daemon's memory over 10,000 passes, and `status` (bench/daemon.ts runs them alone).
rows.push(...(await daemonRows()));

// 7. The fleet: 1,000 hosts registering at once against rate limits and IAM propagation (bench/fleet.ts).
{
  const fleet = await fleetRows();
  const figures = Object.fromEntries(
    Object.entries(fleet.results).filter((entry): entry is [string, number] => Number.isFinite(entry[1])),
  );
  const [first, ...rest] = fleet.rows;
  if (first) rows.push({ ...first, figures }, ...rest);
}

// 8. The proof suites' counts: the bad-input corpus, the crash and fault matrices, the secret scan (test/proof/).
rows.push(...proofRows());

printRows(rows);
if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
const resultsFile = process.env.BENCH_RESULTS ?? "bench/results.json";
writeResults(rows, resultsFile);
console.log(`\nfigures written to ${resultsFile}`);
