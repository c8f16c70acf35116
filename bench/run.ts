// `npm run bench`: performance as ratios against baselines measured in the same run, and AWS call counts.

import { runCli } from "../src/cli/main.ts";
import { systemClock } from "../src/util/clock.ts";
import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";
import { startEmulator } from "../test/emulator/index.ts";
import { createFakeHost } from "../test/fixtures/host.ts";
import { startSignedInstallScript } from "../test/fixtures/signed-script.ts";
import { ratioAgainstBaseline, timeCommand } from "./timing.ts";

interface Row {
  metric: string;
  value: string;
  goal: string;
  met: boolean;
}
dropSdkNodeVersionWarning();
const rows: Row[] = [];
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

// 1. Start-up cost of the bundle: --version must not pay for the AWS SDK.
const startup = ratioAgainstBaseline(
  () => timeCommand(process.execPath, ["dist/ecs-anywhere-agent.mjs", "--version"]),
  () => timeCommand(process.execPath, ["-e", "0"]),
  rounds,
);
rows.push({
  metric: "--version wall time / node -e 0",
  value: `${startup.ratio.toFixed(2)}x (${startup.candidateMs.toFixed(1)} ms vs ${startup.baselineMs.toFixed(1)} ms)`,
  goal: "<= 1.8x",
  met: startup.ratio <= 1.8,
});

// 2. AWS calls of a converged `setup` re-run, through the real SDK against the emulator.
const emulator = await startEmulator();
try {
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: "AKIAEMULATOR0000TEST",
    AWS_SECRET_ACCESS_KEY: "emulator-secret-key-0000000000000000000000",
    ECS_ANYWHERE_REGION: "eu-west-1",
  };
  const quiet = {
    env,
    clock: systemClock,
    stdout: () => {},
    stderr: (text: string) => process.stderr.write(text),
  };
  if ((await runCli(["setup"], quiet)) !== 0) throw new Error("setup failed");
  emulator.clearCalls();
  if ((await runCli(["setup"], quiet)) !== 0) throw new Error("setup re-run failed");
  const calls = emulator.calls();
  const mutating = calls.filter((call) => call.mutating).length;
  const reads = calls.length - mutating;
  rows.push({
    metric: "converged setup re-run: mutating AWS calls",
    value: String(mutating),
    goal: "0",
    met: mutating === 0,
  });
  rows.push({
    metric: "converged setup re-run: read AWS calls",
    value: String(reads),
    goal: "<= 8",
    met: reads <= 8,
  });
} finally {
  await emulator.stop();
}

// 3. register on a fake host against the emulator: the agent's own wall time (total minus the fixture script's
// own run time), and the AWS calls of a fresh register and of a re-run on the registered host.
{
  const emu = await startEmulator();
  const host = await createFakeHost({ emulatorUrl: emu.url });
  const signed = await startSignedInstallScript("Amazon ECS (bench)");
  try {
    let stdout = "";
    const deps = {
      env: {
        ...host.env,
        AWS_ENDPOINT_URL: emu.url,
        AWS_ACCESS_KEY_ID: "AKIAEMULATOR0000TEST",
        AWS_SECRET_ACCESS_KEY: "emulator-secret-key-0000000000000000000000",
        ECS_ANYWHERE_REGION: "eu-west-1",
      },
      clock: systemClock,
      stdout: (text: string) => {
        stdout += text;
      },
      stderr: (text: string) => process.stderr.write(text),
      host: { system: { uid: () => 0 } },
    };
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
    const counts = () => {
      const calls = emu.calls();
      const mutating = calls.filter((call) => call.mutating).length;
      return { mutating, reads: calls.length - mutating };
    };
    emu.clearCalls();
    const start = process.hrtime.bigint();
    if ((await runCli(argv, deps)) !== 0) throw new Error("register failed");
    const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    const scriptMs = JSON.parse(stdout).scriptDurationMs as number;
    const fresh = counts();
    const agentMs = totalMs - scriptMs;
    rows.push({
      metric: "register wall time minus the script's own",
      value: `${(agentMs / 1000).toFixed(2)} s (total ${(totalMs / 1000).toFixed(2)} s)`,
      goal: "<= 1.5 s",
      met: agentMs <= 1500,
    });
    rows.push({
      metric: "fresh register: mutating / read AWS calls",
      value: `${fresh.mutating} / ${fresh.reads}`,
      goal: "report",
      met: true,
    });
    emu.clearCalls();
    stdout = "";
    if ((await runCli(argv, deps)) !== 0) throw new Error("register re-run failed");
    const rerun = counts();
    rows.push({
      metric: "register re-run: mutating / read AWS calls",
      value: `${rerun.mutating} / ${rerun.reads}`,
      goal: "0 mutating",
      met: rerun.mutating === 0,
    });
  } finally {
    await signed.stop();
    await host.cleanup();
    await emu.stop();
  }
}

const width = Math.max(...rows.map((row) => row.metric.length));
console.log(`${"metric".padEnd(width)}  ${"value".padEnd(34)}  goal      met`);
for (const row of rows) {
  console.log(
    `${row.metric.padEnd(width)}  ${row.value.padEnd(34)}  ${row.goal.padEnd(8)}  ${row.met ? "yes" : "NO"}`,
  );
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
