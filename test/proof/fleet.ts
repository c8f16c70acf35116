// A fleet of hosts registering at once against one emulator with per-service rate limits and IAM propagation delay,
// simulated at the level of AWS calls: the agent's own code for the cloud side (the real `setup` command, the
// activation batch of `activation create --count` on paced SDK clients, the register flow's control-plane
// verification on each host's own SDK client with the standard retries), and the emulator's registration hooks (what
// its control endpoints run) for what each host's SSM agent and ECS agent do (`amazon-ssm-agent -register`, the ECS
// agent's first start).
//
// Time is real: AWS's token buckets, and the emulator's, refill in real time, and the SDK waits out its retries on
// real timers; a fake clock would leave the buckets empty. The figures are ratios to minimums derived from the same
// rates, so they do not depend on the machine's speed.

import { createAwsPorts } from "../../src/adapters/aws/clients.ts";
import {
  type Activation,
  BatchError,
  createActivation,
  createActivations,
} from "../../src/cloud/activation.ts";
import { resourceTags } from "../../src/cloud/setup-steps.ts";
import { verifyControlPlane } from "../../src/components/ecs-agent/registration.ts";
import { configSchema } from "../../src/config/schema.ts";
import { systemClock } from "../../src/util/clock.ts";
import { Redactor } from "../../src/util/redact.ts";
import { startEmulator } from "../emulator/index.ts";
import type { CallRecord, ServiceName } from "../emulator/types.ts";
import { cli, emulatorEnv } from "../support/cli.ts";

/** The simulation's rate limits (calls per second, field notes §8.10); each bucket holds one second of calls. */
export const FLEET_RATES: Readonly<Record<"iam" | "ssm" | "ecs", number>> = { iam: 20, ssm: 10, ecs: 50 };
/** IAM's propagation delay in the emulator: a role is invisible to SSM (and ECS's service-linked role to ECS) this long. */
export const PROPAGATION_DELAY_MS = 5000;

/**
 * per-host: the operator creates one single-use activation per host (`activation create --count N`), each host
 * registering as soon as its own exists. shared: the operator creates one activation with a registration limit of N,
 * and every host registers with it at once. host-creates: every host creates its own single-use activation at once,
 * each with its own SDK clients (the SSM call of `activation create`, or of register's just-in-time activation,
 * which also reads the instance role in IAM first).
 */
export type FleetStrategy = "per-host" | "shared" | "host-creates";

export interface FleetOptions {
  hosts: number;
  strategy: FleetStrategy;
  /** Calls per second per service (the bucket holds one second's worth); undefined: no limit at all. */
  rates?: Readonly<Record<"iam" | "ssm" | "ecs", number>> | undefined;
  propagationDelayMs?: number;
  /** How long a host's control-plane check may take (default 5 min). */
  verifyTimeoutMs?: number;
  /** Whether the operator's SDK clients pace themselves (as `activation create` makes them; default true). */
  pacing?: boolean;
}

interface ServiceCalls {
  total: number;
  throttled: number;
  /** Answered with another error (IAM not propagated yet, for example). */
  otherErrors: number;
}

export interface FleetResult {
  hosts: number;
  strategy: FleetStrategy;
  succeeded: number;
  /** One line per failed host (at most 5). */
  failures: string[];
  /** Every AWS call of the rollout, setup included, as the emulator logged them. */
  calls: number;
  byService: Record<string, ServiceCalls>;
  /** The rollout's calls when each is answered the first time: setup's on a fresh account, plus each host's own. */
  minCalls: number;
  setup: { calls: number; minCalls: number; seconds: number };
  /** Each host's time from the start of the fleet (after setup) to its verified registration, sorted; failed: Infinity. */
  completionMs: number[];
  p95Ms: number;
  /** What the rate limits allow at best (see minTimeMs); 0 without limits. */
  minTimeMs: number;
  /** The part of minTimeMs still waiting for IAM propagation when the fleet started. */
  propagationLeftMs: number;
  /** How long the whole fleet took. */
  wallMs: number;
  successRatio: number;
  callsVsMin: number;
  p95VsMin: number;
  /** What each host's SSM agent and ECS agent did through the control endpoints (not AWS API calls of the agent). */
  hostAgentCalls: number;
  /** The emulator at the end: what the rollout left in AWS. */
  endState: {
    activations: number;
    /** Activations whose registrations are all used. */
    usedUp: number;
    managedInstances: number;
    activeContainerInstances: number;
  };
}

const REGION = "eu-west-1";
const CLUSTER = "fleet";
const config = configSchema.parse({ cluster: CLUSTER });
/**
 * The cluster exists already (a platform team made it): setup then ends as soon as the instance role is made, and the
 * hosts start while IAM still propagates it. (Where setup makes the account's first cluster, ECS's service-linked
 * role keeps setup waiting longer than the instance role takes to propagate, and the hosts never see it.)
 */
const EXISTING_CLUSTERS = [{ name: CLUSTER, region: REGION }];

/**
 * The calls setup makes on the account when none is refused: the `setup` command against an emulator in the same
 * state, without limits or delays.
 */
export async function setupMinimumCalls(): Promise<number> {
  const emu = await startEmulator({ clusters: EXISTING_CLUSTERS });
  try {
    const run = await cli(["setup", "--cluster", CLUSTER], emulatorEnv(emu.url));
    if (run.code !== 0) throw new Error(`setup exited ${run.code}: ${run.stderr}`);
    return emu.calls().length;
  } finally {
    await emu.stop();
  }
}

/** The AWS calls the fleet part needs at the least, per service: one activation, one control-plane check per host. */
export function fleetMinimumCalls(hosts: number, strategy: FleetStrategy): Record<"ssm" | "ecs", number> {
  return { ssm: strategy === "shared" ? 1 : hosts, ecs: hosts };
}

/**
 * The shortest time the rate limits allow the fleet part: every service's minimum calls beyond what its full bucket
 * (one second's worth) answers at once, at its rate; all of them after IAM propagation, since no activation can be
 * created before. The slowest service sets it: 1,000 single-use activations at 10/s take 99 s.
 */
export function fleetMinimumMs(
  hosts: number,
  strategy: FleetStrategy,
  rates: Readonly<Record<"iam" | "ssm" | "ecs", number>>,
  propagationLeftMs: number,
): number {
  const needed = fleetMinimumCalls(hosts, strategy);
  const seconds = (["ssm", "ecs"] as const).map(
    (service) => Math.max(0, needed[service] - rates[service]) / rates[service],
  );
  return propagationLeftMs + Math.max(...seconds) * 1000;
}

export async function simulateFleet(options: FleetOptions): Promise<FleetResult> {
  const { hosts, strategy, rates } = options;
  const setupMin = await setupMinimumCalls();
  const emu = await startEmulator({
    propagationDelayMs: options.propagationDelayMs ?? PROPAGATION_DELAY_MS,
    clusters: EXISTING_CLUSTERS,
    // Hundreds of hosts' clients on one loopback server: no resets of the loopback's own making.
    keepAliveTimeoutMs: 120_000,
  });
  try {
    if (rates)
      for (const [service, rate] of Object.entries(rates)) emu.rateLimit(service as ServiceName, rate, rate);
    const env = emulatorEnv(emu.url);

    // 1. The shared cloud side, once.
    const setupStarted = performance.now();
    const setup = await cli(["setup", "--cluster", CLUSTER], env);
    if (setup.code !== 0) throw new Error(`setup exited ${setup.code}: ${setup.stderr}`);
    const setupMs = performance.now() - setupStarted;
    const setupCalls = emu.calls();
    if (setupCalls.some((call) => call.action === "UpdateAssumeRolePolicy"))
      throw new Error(
        "setup changed a trust policy: the role's creation date no longer says when it last changed",
      );

    // 2. The hosts, all at once.
    const role = Object.values(emu.state.roles).find((r) => r.roleName === config.instanceRole.name);
    if (role === undefined) throw new Error("setup made no instance role");
    const started = performance.now();
    const propagationLeftMs = Math.max(
      0,
      Date.parse(role.createDate) + (options.propagationDelayMs ?? PROPAGATION_DELAY_MS) - Date.now(),
    );
    const completionMs: number[] = new Array(hosts).fill(Number.POSITIVE_INFINITY);
    const failures: string[] = [];
    let hostAgentCalls = 0;
    const host = async (index: number, activation: Pick<Activation, "activationId" | "activationCode">) => {
      try {
        // What the install script's `amazon-ssm-agent -register` and the ECS agent's first start do.
        const { managedInstanceId } = emu.registerManagedInstance({
          activationId: activation.activationId,
          activationCode: activation.activationCode,
          region: REGION,
        });
        const { containerInstanceArn } = emu.registerContainerInstance({
          cluster: CLUSTER,
          managedInstanceId,
        });
        hostAgentCalls += 2;
        // The host's own process: its own SDK clients, the agent's standard retries.
        const aws = await createAwsPorts({ region: REGION, env, redactor: new Redactor() });
        await verifyControlPlane(aws.ecs, CLUSTER, containerInstanceArn, {
          clock: systemClock,
          timeoutMs: options.verifyTimeoutMs ?? 300_000,
        });
        completionMs[index] = performance.now() - started;
      } catch (error) {
        if (failures.length < 5) failures.push(`host ${index + 1}: ${String(error)}`);
      }
    };

    // The operator's side: `activation create` with its paced ports (the same settings as the command).
    const operator = await createAwsPorts({
      region: REGION,
      env,
      redactor: new Redactor(),
      ...(options.pacing === false ? {} : { pacing: { clock: systemClock } }),
    });
    const request = {
      roleName: config.instanceRole.name,
      region: REGION,
      settings: config.activation,
      tags: resourceTags(config),
    };
    const running: Promise<void>[] = [];
    if (strategy === "per-host") {
      await createActivations(
        operator.ssm,
        request,
        hosts,
        systemClock,
        new Redactor(),
        {},
        {
          onCreated: (activation, n) => {
            running.push(host(n - 1, activation));
          },
        },
      ).catch((error: unknown) => {
        // The hosts without an activation never register; those with one still do.
        failures.push(
          `activation batch: ${error instanceof BatchError ? `stopped after ${error.created}: ` : ""}${String(error)}`,
        );
      });
    } else if (strategy === "host-creates") {
      for (let i = 0; i < hosts; i++) {
        running.push(
          (async () => {
            const own = await createAwsPorts({ region: REGION, env, redactor: new Redactor() });
            const activation = await createActivation(own.ssm, request, systemClock, new Redactor()).catch(
              (error: unknown) => {
                if (failures.length < 5) failures.push(`host ${i + 1}: ${String(error)}`);
                return undefined;
              },
            );
            if (activation !== undefined) await host(i, activation);
          })(),
        );
      }
    } else {
      const shared = await createActivation(
        operator.ssm,
        { ...request, settings: { ...request.settings, registrationLimit: hosts } },
        systemClock,
        new Redactor(),
      );
      for (let i = 0; i < hosts; i++) running.push(host(i, shared));
    }
    await Promise.all(running);
    const wallMs = performance.now() - started;

    const calls = emu.calls();
    const state = emu.state;
    const activations = Object.values(state.activations);
    const sorted = [...completionMs].sort((a, b) => a - b);
    const p95Ms = sorted[Math.ceil(0.95 * hosts) - 1] ?? Number.POSITIVE_INFINITY;
    const needed = fleetMinimumCalls(hosts, strategy);
    const minCalls = setupMin + needed.ssm + needed.ecs;
    const minTimeMs = rates ? fleetMinimumMs(hosts, strategy, rates, propagationLeftMs) : 0;
    const succeeded = completionMs.filter(Number.isFinite).length;
    return {
      hosts,
      strategy,
      succeeded,
      failures,
      calls: calls.length,
      byService: byService(calls),
      minCalls,
      setup: { calls: setupCalls.length, minCalls: setupMin, seconds: setupMs / 1000 },
      completionMs: sorted,
      p95Ms,
      minTimeMs,
      propagationLeftMs,
      wallMs,
      successRatio: succeeded / hosts,
      callsVsMin: calls.length / minCalls,
      p95VsMin: minTimeMs > 0 ? p95Ms / minTimeMs : Number.NaN,
      hostAgentCalls,
      endState: {
        activations: activations.length,
        usedUp: activations.filter((a) => a.registrationsCount >= a.registrationLimit).length,
        managedInstances: Object.keys(state.managedInstances).length,
        activeContainerInstances: Object.values(state.containerInstances).filter(
          (ci) => ci.status === "ACTIVE",
        ).length,
      },
    };
  } finally {
    await emu.stop();
  }
}

function byService(calls: CallRecord[]): Record<string, ServiceCalls> {
  const out: Record<string, ServiceCalls> = {};
  for (const call of calls) {
    const entry = out[call.service] ?? { total: 0, throttled: 0, otherErrors: 0 };
    out[call.service] = entry;
    entry.total += 1;
    if (call.errorCode === "Throttling" || call.errorCode === "ThrottlingException") entry.throttled += 1;
    else if (call.errorCode !== undefined) entry.otherErrors += 1;
  }
  return out;
}
