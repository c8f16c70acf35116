import { describe, expect, it } from "vitest";
import type { ContainerInstanceInfo } from "../../../src/adapters/aws/ports.ts";
import { OperationError } from "../../../src/errors.ts";
import { tasksOn, waitForDrain } from "../../../src/flows/deregister/drain.ts";
import type { Clock } from "../../../src/util/clock.ts";
import { fakeClock } from "../../support/clock.ts";

/** The drain wait's decisions, through the clock port and a scripted ECS (deregister --drain runs it end to end). */

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";

const draining = (running: number, pending = 0, status = "DRAINING"): ContainerInstanceInfo => ({
  arn: ARN,
  status,
  agentConnected: true,
  runningTasksCount: running,
  pendingTasksCount: pending,
});

/** An ECS that answers with the given instances, one per DescribeContainerInstances call (the last repeats). */
function ecsReporting(answers: (ContainerInstanceInfo | undefined)[]) {
  const asked: string[][] = [];
  return {
    calls: () => asked.length,
    asked,
    describeContainerInstances: async (cluster: string, arns: string[]): Promise<ContainerInstanceInfo[]> => {
      const answer = answers[Math.min(asked.length, answers.length - 1)];
      asked.push([cluster, ...arns]);
      return answer === undefined ? [] : [answer];
    },
  };
}

/** The fake clock, recording every sleep. */
function recordingClock(): Clock & { sleeps: number[]; elapsed: () => number } {
  const clock = fakeClock();
  const start = clock.now().getTime();
  const sleeps: number[] = [];
  return {
    now: clock.now,
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      await clock.sleep(ms, signal);
    },
    sleeps,
    elapsed: () => clock.now().getTime() - start,
  };
}

describe("waiting for a DRAINING instance", () => {
  it("polls through the clock port until no task is left, without sleeping for real", async () => {
    const clock = fakeClock();
    const ecs = ecsReporting([draining(3), draining(1), draining(0)]);
    const started = Date.now();
    const waited = await waitForDrain("edge", ARN, { ecs, clock, timeoutMs: 600_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(waited).toBe(2_000 + 4_000); // backoff 2 s, then 4 s
    expect(ecs.calls()).toBe(3);
    expect(ecs.asked[0]).toEqual(["edge", ARN]);
  });

  it("waits a round before asking again when the caller just described the tasks", async () => {
    const clock = fakeClock();
    const ecs = ecsReporting([draining(1), draining(0)]);
    const waited = await waitForDrain("edge", ARN, { ecs, clock, timeoutMs: 600_000, tasksLeft: 3 });
    expect(waited).toBe(2_000 + 4_000);
    expect(ecs.calls()).toBe(2);
  });

  it("returns at once, without asking, when the caller saw no task left", async () => {
    const ecs = ecsReporting([draining(5)]);
    expect(
      await waitForDrain("edge", ARN, { ecs, clock: fakeClock(), timeoutMs: 600_000, tasksLeft: 0 }),
    ).toBe(0);
    expect(ecs.calls()).toBe(0);
  });

  it("backs off from 2 s, doubling up to 15 s", async () => {
    const clock = recordingClock();
    const answers = [...Array.from({ length: 7 }, () => draining(1)), draining(0)];
    const waited = await waitForDrain("edge", ARN, { ecs: ecsReporting(answers), clock, timeoutMs: 600_000 });
    expect(clock.sleeps).toEqual([2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000]);
    expect(waited).toBe(74_000);
  });

  it.each<[string, ContainerInstanceInfo | undefined, number]>([
    ["pending tasks count as tasks left", draining(0, 2), 1],
    ["running and pending add up", draining(1, 1), 1],
    ["an INACTIVE instance has nothing left to drain", draining(4, 0, "INACTIVE"), 0],
    ["an instance ECS no longer knows has nothing left to drain", undefined, 0],
  ])("%s", async (_name, first, sleeps) => {
    const clock = recordingClock();
    await waitForDrain("edge", ARN, { ecs: ecsReporting([first, draining(0)]), clock, timeoutMs: 600_000 });
    expect(clock.sleeps).toHaveLength(sleeps);
  });

  it("counts running and pending tasks", () => {
    expect(tasksOn(draining(2, 3))).toBe(5);
  });

  it("says how many tasks are left before each wait", async () => {
    const lines: string[] = [];
    await waitForDrain("edge", ARN, {
      ecs: ecsReporting([draining(2), draining(1, 1), draining(0)]),
      clock: fakeClock(),
      timeoutMs: 600_000,
      progress: (line) => lines.push(line),
    });
    expect(lines).toEqual([
      `[drain] 2 task(s) left on ${ARN} (elapsed 0s)`,
      `[drain] 2 task(s) left on ${ARN} (elapsed 2s)`,
    ]);
  });

  it("gives up at the drain timeout with the number of tasks left and what to do", async () => {
    const clock = fakeClock();
    const start = clock.now().getTime();
    const error = await waitForDrain("edge", ARN, {
      ecs: ecsReporting([draining(2)]),
      clock,
      timeoutMs: 600_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toBe(`2 task(s) still running or pending on ${ARN} after 10m`);
    expect((error as OperationError).remediation).toBe(
      "stop them (or let their services move them), then re-run; raise --drain-timeout to wait longer",
    );
    expect(clock.now().getTime() - start).toBe(600_000);
  });

  it("never sleeps past the deadline, and names the timeout rounded to the second", async () => {
    const clock = recordingClock();
    const error = await waitForDrain("edge", ARN, {
      ecs: ecsReporting([draining(1)]),
      clock,
      timeoutMs: 6_600,
    }).catch((e: unknown) => e);
    expect(clock.sleeps).toEqual([2_000, 4_000, 600]);
    expect(clock.elapsed()).toBe(6_600);
    expect((error as Error).message).toBe(`1 task(s) still running or pending on ${ARN} after 7s`);
  });

  it("a timeout of zero gives up without waiting", async () => {
    const clock = recordingClock();
    await expect(
      waitForDrain("edge", ARN, { ecs: ecsReporting([draining(1)]), clock, timeoutMs: 0 }),
    ).rejects.toThrow(/after 0s$/);
    expect(clock.sleeps).toEqual([]);
  });

  it("stops at once when cancelled", async () => {
    const controller = new AbortController();
    controller.abort("SIGINT");
    const ecs = ecsReporting([draining(1)]);
    await expect(
      waitForDrain("edge", ARN, { ecs, clock: fakeClock(), timeoutMs: 600_000, signal: controller.signal }),
    ).rejects.toBe("SIGINT");
    expect(ecs.calls()).toBe(1);
  });
});
