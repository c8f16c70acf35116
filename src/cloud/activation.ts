import type { SsmPort } from "../adapters/aws/ports.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import { parseDuration } from "../util/duration.ts";
import type { Redactor } from "../util/redact.ts";
import { type PropagationWait, retryWhilePropagating } from "./propagation.ts";

const MAX_EXPIRY_SECONDS = 30 * 24 * 3600; // field notes §5: ExpirationDate at most 30 days ahead

export interface ActivationFlags {
  expiresIn?: string;
  registrationLimit?: string;
  instanceName?: string;
  description?: string;
  tag?: string[];
}

/** The activation the agent hands to a host. `activationCode` is a secret. */
export interface Activation {
  activationId: string;
  activationCode: string;
  expiresAt: string;
  registrationLimit: number;
  region: string;
}

/** Applies command-line overrides to the configured activation settings; bad values are the user's. */
export function activationSettings(config: Config, flags: ActivationFlags): Config["activation"] {
  const settings = { ...config.activation, tags: { ...config.activation.tags } };
  if (flags.expiresIn !== undefined) {
    const seconds = parseDuration(flags.expiresIn);
    if (seconds === undefined)
      throw new UsageError(`--expires-in: "${flags.expiresIn}" is not a duration (e.g. 30m, 1h, 7d)`);
    settings.expiresIn = seconds;
  }
  if (settings.expiresIn < 60 || settings.expiresIn > MAX_EXPIRY_SECONDS) {
    throw new UsageError(
      "--expires-in: must be between 1m and 30d (SSM activations expire at most 30 days ahead)",
    );
  }
  if (flags.registrationLimit !== undefined) {
    const limit = Number(flags.registrationLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new UsageError("--registration-limit: must be a whole number from 1 to 1000");
    }
    settings.registrationLimit = limit;
  }
  if (flags.instanceName !== undefined) {
    if (flags.instanceName.length < 1 || flags.instanceName.length > 256) {
      throw new UsageError("--instance-name: must be 1 to 256 characters");
    }
    settings.defaultInstanceName = flags.instanceName;
  }
  if (flags.description !== undefined) {
    if (flags.description.length > 256) throw new UsageError("--description: must be at most 256 characters");
    settings.description = flags.description;
  }
  for (const pair of flags.tag ?? []) {
    const match = /^([^=]{1,128})=(.{0,256})$/.exec(pair);
    if (!match)
      throw new UsageError(`--tag: "${pair}" is not KEY=VALUE (key <= 128, value <= 256 characters)`);
    settings.tags[match[1] as string] = match[2] as string;
  }
  return settings;
}

/**
 * Creates one activation for the instance role; the code is registered as a secret before it goes anywhere. A role
 * created or changed moments ago is waited for (field notes §8.1).
 */
export async function createActivation(
  ssm: SsmPort,
  request: { roleName: string; region: string; settings: Config["activation"]; tags: Record<string, string> },
  clock: Clock,
  redactor: Redactor,
  wait: Omit<PropagationWait, "clock"> = {},
): Promise<Activation> {
  let expiresAt = new Date(0);
  const created = await retryWhilePropagating(
    () => {
      // From each attempt: a wait for IAM does not eat into the activation's lifetime.
      expiresAt = new Date(clock.now().getTime() + request.settings.expiresIn * 1000);
      return ssm.createActivation({
        iamRoleName: request.roleName,
        registrationLimit: request.settings.registrationLimit,
        expiresAt,
        ...(request.settings.defaultInstanceName
          ? { defaultInstanceName: request.settings.defaultInstanceName }
          : {}),
        description: request.settings.description ?? "created by ecs-anywhere-agent",
        tags: { ...request.settings.tags, ...request.tags },
      });
    },
    { ...wait, clock },
  );
  redactor.add(created.activationCode);
  return {
    activationId: created.activationId,
    activationCode: created.activationCode,
    expiresAt: expiresAt.toISOString(),
    registrationLimit: request.settings.registrationLimit,
    region: request.region,
  };
}

/** How many activations a fleet batch creates at once (the SSM port paces them to SSM's rate). */
export const BATCH_CONCURRENCY = 8;
/** The longest wait between two attempts of a batch's first activation while IAM propagates its role. */
export const BATCH_PROBE_MAX_DELAY_MS = 2000;

export interface BatchOptions {
  /** Calls in flight at most (default BATCH_CONCURRENCY). */
  concurrency?: number;
  /** Each activation as soon as it exists (its number from 1), before the batch goes on. */
  onCreated?: (activation: Activation, index: number) => Promise<void> | void;
}

/** A batch that stopped: how many activations it created before the failure (each handed over), and the failure. */
export class BatchError extends Error {
  readonly created: number;
  constructor(created: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "BatchError";
    this.created = created;
  }
}

/**
 * `count` single-use activations, one per host of a fleet (field notes §5.6: a code registers one host). The
 * first is created alone: it waits out IAM propagation (field notes §8.1) for the whole batch, instead of every
 * call in flight asking, and asks at least every BATCH_PROBE_MAX_DELAY_MS. Then at most `concurrency` at once, in
 * order; `ssm` should pace itself (pacing.ts), so SSM's rate limit sets the pace rather than its throttling answers.
 * The first failure (an `onCreated` that throws included) stops the batch: a BatchError says how many were created
 * and handed over. The answer is in order: the n-th activation is number n.
 */
export async function createActivations(
  ssm: SsmPort,
  request: { roleName: string; region: string; settings: Config["activation"]; tags: Record<string, string> },
  count: number,
  clock: Clock,
  redactor: Redactor,
  wait: Omit<PropagationWait, "clock"> = {},
  options: BatchOptions = {},
): Promise<Activation[]> {
  const single = { ...request, settings: { ...request.settings, registrationLimit: 1 } };
  const created: Activation[] = [];
  let failure: { error: unknown } | undefined;
  const handOver = async (activation: Activation, index: number) => {
    await options.onCreated?.(activation, index);
    created[index - 1] = activation;
  };
  const one = async (index: number) =>
    handOver(await createActivation(ssm, single, clock, redactor, wait), index);
  let next = 2;
  const worker = async () => {
    while (failure === undefined && next <= count) {
      const index = next++;
      await one(index).catch((error: unknown) => {
        failure ??= { error };
      });
    }
  };
  if (count >= 1) {
    // The first one alone; once it exists the role has propagated, and the rest go in parallel. It asks at least
    // every BATCH_PROBE_MAX_DELAY_MS: the whole fleet waits for it, and a refusal costs one call of a full bucket.
    const probe = {
      ...wait,
      maxDelayMs: Math.min(wait.maxDelayMs ?? BATCH_PROBE_MAX_DELAY_MS, BATCH_PROBE_MAX_DELAY_MS),
    };
    await createActivation(ssm, single, clock, redactor, probe)
      .then((activation) => handOver(activation, 1))
      .catch((error: unknown) => {
        failure = { error };
      });
  }
  const workers = Math.max(0, Math.min(options.concurrency ?? BATCH_CONCURRENCY, count - 1));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw new BatchError(created.filter(Boolean).length, failure.error);
  return created;
}
