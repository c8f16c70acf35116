import { isThrottlingCode } from "../../adapters/aws/errors.ts";
import type { ContainerInstanceInfo, EcsPort } from "../../adapters/aws/ports.ts";
import type { IntrospectionClient } from "../../adapters/host/introspection.ts";
import { judgeRegistration } from "../../adapters/host/introspection.ts";
import type { Systemd } from "../../adapters/host/systemd.ts";
import { throwIfCancelled } from "../../engine/cancel.ts";
import { AwsCallError, OperationError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { formatDuration } from "../../util/duration.ts";
import { type ProgressSink, waitProgress } from "../../util/progress.ts";
import { ECS_AGENT } from "./files.ts";

export interface VerifyDeps {
  introspection: IntrospectionClient;
  systemd: Systemd;
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal;
  /** A line every few seconds while the agent has not registered (what it waits for, the elapsed time). */
  progress?: ProgressSink;
}

/**
 * Polls the agent's introspection API with backoff (1 s doubling to 10 s, through the clock port) until it
 * reports a container instance ARN for the expected cluster (field notes §2). Fails with the most specific reason.
 */
export async function waitForRegistration(cluster: string, deps: VerifyDeps): Promise<string> {
  const deadline = deps.clock.now().getTime() + deps.timeoutMs;
  const waiting = waitProgress(deps.clock, deps.progress, "verify");
  let delay = 1000;
  for (;;) {
    throwIfCancelled(deps.signal, "verify");
    const metadata = await deps.introspection.metadata();
    const problem = judgeRegistration(metadata, cluster);
    if (problem === undefined && metadata.state === "ok" && metadata.containerInstanceArn !== null) {
      return metadata.containerInstanceArn;
    }
    const wrongCluster = metadata.state === "ok" && metadata.containerInstanceArn !== null;
    if (wrongCluster) throw await explain(problem ?? "the agent did not register", true, deps);
    if (deps.clock.now().getTime() >= deadline) {
      const timedOut = `timed out after ${waiting.elapsed()}: ${problem ?? "the agent did not register"}`;
      throw await explain(timedOut, false, deps);
    }
    waiting.tick(`waiting for the ECS agent to register to cluster ${cluster}: ${problem ?? "not yet"}`);
    // Never past the deadline: the timeout is the operator's --verify-timeout, not the next backoff step.
    await deps.clock.sleep(Math.min(delay, deadline - deps.clock.now().getTime()), deps.signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

async function explain(problem: string, wrongCluster: boolean, deps: VerifyDeps): Promise<OperationError> {
  if (wrongCluster) {
    return new OperationError(problem, {
      remediation: "run register --move to move this host to the desired cluster",
    });
  }
  if (!(await deps.systemd.isActive(ECS_AGENT.unit))) {
    return new OperationError(`${problem}; the ecs service is not running`, {
      remediation:
        "see `systemctl status ecs` and /var/log/ecs/ecs-init.log; exit code 5 means agent.db holds another cluster (register --move)",
    });
  }
  return new OperationError(problem, {
    remediation:
      "see /var/log/ecs/ecs-agent.log: check the SSM-vended credentials in /root/.aws/credentials, credentials that shadow them, clock skew, and access to ecs.REGION.amazonaws.com",
  });
}

export interface ControlPlaneWait {
  clock: Clock;
  /** How long the agent may take to connect, counted from `startedAt`; 0 means one look. */
  timeoutMs: number;
  /** When the wait began (epoch ms; default now): the verify step counts --verify-timeout from its own start. */
  startedAt?: number;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  /** [0, 1): the jitter of the wait after a throttled look (Math.random in production). */
  random?: () => number;
}

/**
 * The control plane's view (field notes §2 is the local truth; this is the remote one): ACTIVE and connected. The
 * agent answers introspection before its control-plane session is up (field notes §8.2), so agentConnected is
 * polled (1 s doubling to 10 s, on the clock port) until `timeoutMs`; a missing or inactive instance fails at once.
 * A look that ECS throttled past the SDK's retries (a fleet checking at once) is no answer: it is asked again after a
 * jittered wait, so hosts that were throttled together do not ask together again, until `timeoutMs`.
 */
export async function verifyControlPlane(
  ecs: EcsPort,
  cluster: string,
  arn: string,
  wait: ControlPlaneWait,
): Promise<void> {
  const started = wait.startedAt ?? wait.clock.now().getTime();
  let delay = 1000;
  const random = wait.random ?? Math.random;
  for (;;) {
    throwIfCancelled(wait.signal, "verify");
    const look = await lookAt(ecs, cluster, arn);
    if (look.throttled !== undefined) {
      const elapsed = wait.clock.now().getTime() - started;
      if (elapsed >= wait.timeoutMs) throw look.throttled;
      wait.progress?.(
        `[verify] ECS throttled the check of the container instance; asking again (elapsed ${formatDuration(Math.round(elapsed / 1000))})`,
      );
      // Equal jitter: half the delay fixed, half random.
      const jittered = delay / 2 + random() * (delay / 2);
      await wait.clock.sleep(Math.max(Math.min(jittered, wait.timeoutMs - elapsed), 0), wait.signal);
      delay = Math.min(delay * 2, 10_000);
      continue;
    }
    const instance = look.instance;
    if (!instance) {
      throw new OperationError(`ECS does not know container instance ${arn} in cluster ${cluster}`, {
        remediation: "it was deregistered: run deregister, then register again",
      });
    }
    if (instance.status !== "ACTIVE") {
      throw new OperationError(`container instance ${arn} is ${instance.status}, not ACTIVE`, {
        remediation: "set it ACTIVE again (aws ecs update-container-instances-state) or re-register",
      });
    }
    if (instance.agentConnected) return;
    const elapsed = wait.clock.now().getTime() - started;
    if (elapsed >= wait.timeoutMs) {
      throw new OperationError(
        `the ECS agent of ${arn} is not connected to the control plane (still not after ${formatDuration(Math.round(elapsed / 1000))})`,
        {
          remediation:
            "check outbound HTTPS to ecs-a-*.REGION.amazonaws.com and ecs-t-*.REGION.amazonaws.com; raise --verify-timeout to wait longer",
        },
      );
    }
    wait.progress?.(
      `[verify] waiting for the ECS agent to connect to the control plane (elapsed ${formatDuration(Math.round(elapsed / 1000))})`,
    );
    await wait.clock.sleep(Math.max(Math.min(delay, wait.timeoutMs - elapsed), 0), wait.signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

/** One DescribeContainerInstances; a throttling answer (the SDK's retries ran out) comes back as `throttled`. */
async function lookAt(
  ecs: EcsPort,
  cluster: string,
  arn: string,
): Promise<{ instance?: ContainerInstanceInfo; throttled?: AwsCallError }> {
  try {
    const [instance] = await ecs.describeContainerInstances(cluster, [arn]);
    return instance === undefined ? {} : { instance };
  } catch (error) {
    if (error instanceof AwsCallError && isThrottlingCode(error.code)) return { throttled: error };
    throw error;
  }
}
