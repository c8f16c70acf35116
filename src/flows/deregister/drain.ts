import type { ContainerInstanceInfo, EcsPort } from "../../adapters/aws/ports.ts";
import { OperationError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { formatDuration } from "../../util/duration.ts";

export interface DrainWait {
  ecs: Pick<EcsPort, "describeContainerInstances">;
  clock: Clock;
  timeoutMs: number;
  progress?: (line: string) => void;
  /** A count the caller just described: the first poll then waits a round instead of asking again at once. */
  tasksLeft?: number;
  /** SIGINT/SIGTERM: the wait stops at once. */
  signal?: AbortSignal;
}

export const tasksOn = (instance: ContainerInstanceInfo): number =>
  instance.runningTasksCount + instance.pendingTasksCount;

/**
 * Polls DescribeContainerInstances (2 s doubling to 15 s, through the clock port) until the DRAINING instance
 * runs no task. A timeout is an error of the drain alone: deregistration goes on without it.
 */
export async function waitForDrain(cluster: string, arn: string, wait: DrainWait): Promise<number> {
  const started = wait.clock.now().getTime();
  const deadline = started + wait.timeoutMs;
  let delay = 2000;
  const look = async () => {
    const [instance] = await wait.ecs.describeContainerInstances(cluster, [arn]);
    return instance === undefined || instance.status === "INACTIVE" ? 0 : tasksOn(instance);
  };
  let left = wait.tasksLeft ?? (await look());
  for (;;) {
    if (left === 0) return wait.clock.now().getTime() - started;
    if (wait.clock.now().getTime() >= deadline) {
      throw new OperationError(
        `${left} task(s) still running or pending on ${arn} after ${formatDuration(Math.round(wait.timeoutMs / 1000))}`,
        {
          remediation:
            "stop them (or let their services move them), then re-run; raise --drain-timeout to wait longer",
        },
      );
    }
    const elapsed = formatDuration(Math.round((wait.clock.now().getTime() - started) / 1000));
    wait.progress?.(`[drain] ${left} task(s) left on ${arn} (elapsed ${elapsed})`);
    await wait.clock.sleep(Math.min(delay, Math.max(deadline - wait.clock.now().getTime(), 0)), wait.signal);
    delay = Math.min(delay * 2, 15_000);
    left = await look();
  }
}
