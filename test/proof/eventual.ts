// The eventual-consistency answers of the AWS fault matrix: what AWS answers, for a while, right after a change,
// to the operations it applies to. Emulator and CLI share one fake clock, so the agent's waits move the
// emulator's time and nothing sleeps.
import { startEmulator } from "../emulator/index.ts";
import type { CallRecord, Emulator, EmulatorOptions } from "../emulator/types.ts";
import { CLUSTER, REGION, startWorld } from "../flows/register/harness.ts";
import { type CliResult, cli, emulatorEnv } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";
import type { FaultOutcome } from "./fault-case.ts";

/** How long AWS keeps giving the answer in these cases (the agent waits up to two minutes). */
const DELAY_MS = 20_000;

interface EventualCase {
  /** Where the behaviour is described. */
  source: string;
  /** Runs the command that meets the answer; returns its run and the emulator's call log. */
  run(): Promise<{ run: CliResult; calls: CallRecord[] }>;
  /** The call that carried the answer. */
  answered(call: CallRecord): boolean;
}

async function withEmulator<T>(
  delays: Pick<EmulatorOptions, "propagationDelayMs" | "agentConnectDelayMs" | "clusters">,
  body: (emu: Emulator, clock: ReturnType<typeof fakeClock>) => Promise<T>,
): Promise<T> {
  const clock = fakeClock(new Date());
  const emu = await startEmulator({ now: () => clock.now(), ...delays });
  try {
    return await body(emu, clock);
  } finally {
    await emu.stop();
  }
}

/** Operation -> the answer AWS gives it while a change propagates. */
export const EVENTUAL: Readonly<Record<string, EventualCase>> = {
  "ssm:CreateActivation": {
    source: "field notes §8.1: a role created moments ago is a nonexistent role to SSM",
    run: () =>
      // The cluster exists already: setup waits for nothing, so no time passes before activation create.
      withEmulator(
        { propagationDelayMs: DELAY_MS, clusters: [{ name: CLUSTER, region: REGION }] },
        async (emu, clock) => {
          const env = emulatorEnv(emu.url);
          const setup = await cli(["setup", "--cluster", CLUSTER], env, { clock });
          if (setup.code !== 0) return { run: setup, calls: emu.calls() };
          emu.clearCalls();
          // Right after setup created the role: no time passes between the two commands.
          const run = await cli(["activation", "create", "--cluster", CLUSTER], env, { clock });
          return { run, calls: emu.calls() };
        },
      ),
    answered: (call) => call.action === "CreateActivation" && call.errorCode === "ValidationException",
  },
  "ecs:CreateCluster": {
    source: "field notes §8.1: the account's first cluster waits for the ECS service-linked role",
    run: () =>
      withEmulator({ propagationDelayMs: DELAY_MS }, async (emu, clock) => {
        const run = await cli(["setup", "--cluster", CLUSTER], emulatorEnv(emu.url), { clock });
        return { run, calls: emu.calls() };
      }),
    answered: (call) => call.action === "CreateCluster" && call.errorCode === "InvalidParameterException",
  },
  "ecs:DescribeContainerInstances": {
    source: "field notes §8.2: a registered agent is not connected to the control plane at once",
    run: async () => {
      const clock = fakeClock(new Date());
      const world = await startWorld({
        clock,
        emulator: { now: () => clock.now(), agentConnectDelayMs: DELAY_MS, clusters: [] },
      });
      try {
        const setup = await world.cloud(["setup", "--cluster", CLUSTER]);
        if (setup.code !== 0) return { run: setup, calls: world.emu.calls() };
        world.emu.clearCalls();
        const run = await world.register();
        return { run, calls: world.emu.calls() };
      } finally {
        await world.stop();
      }
    },
    // The first answer says "not connected yet": the agent asks again rather than failing.
    answered: (call) => call.action === "DescribeContainerInstances" && call.status === 200,
  },
};

/** The command must meet the answer and still succeed: the agent waits it out on its clock. */
export async function eventualCase(operation: string): Promise<FaultOutcome> {
  const spec = EVENTUAL[operation];
  if (spec === undefined) return { problems: [`no eventual-consistency case for ${operation}`] };
  const { run, calls } = await spec.run();
  const problems: string[] = [];
  const answered = calls.filter((call) => spec.answered(call)).length;
  const needed = operation === "ecs:DescribeContainerInstances" ? 2 : 1;
  if (answered < needed) problems.push(`AWS never gave the answer (${spec.source})`);
  if (run.code !== 0)
    problems.push(`exit ${run.code}: ${run.stderr.trim().split("\n").slice(-2).join(" | ")}`);
  return { problems, run };
}
