import { acquireLock } from "../components/agent-state/lock.ts";
import { describeError } from "../errors.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { PassFacts, ProbeContext } from "./probes/probe.ts";
import { neededRepairs, type RepairPolicy, repair } from "./repair.ts";
import type { RepairRecord } from "./status.ts";

/**
 * The repairs a pass's facts call for, under the agent's lock: while register or deregister holds it, the pass
 * repairs nothing and says so.
 */
export async function repairUnderLock(
  ctx: ProbeContext,
  facts: PassFacts,
  run: { clock: Clock; policy: RepairPolicy; log: Logger; signal: AbortSignal },
): Promise<RepairRecord[]> {
  const needed = neededRepairs(facts);
  if (needed.length === 0) return [];
  const { host } = ctx;
  const now = run.clock.now().getTime();
  let lock: { release(): Promise<void> };
  try {
    lock = await acquireLock(host.fs, host.system, host.clock, "daemon (repair)", 0, run.signal);
  } catch (error) {
    const message = host.redactor.scrub(`not repaired: ${describeError(error)}`);
    return needed.map((action) => ({
      action,
      result: "skipped",
      at: new Date(now).toISOString(),
      message,
    }));
  }
  try {
    return await repair(
      { host, systemd: ctx.repairSystemd, facts, policy: run.policy, now },
      { signal: run.signal, log: run.log },
    );
  } finally {
    await lock.release();
  }
}
