import type { HostFs } from "../../adapters/host/fs.ts";
import type { SystemInfo } from "../../adapters/host/system.ts";
import { OperationError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { AGENT_STATE } from "./paths.ts";

export interface Lock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  command: string;
  since: string;
}

/**
 * One lock under ROOT keeps register, deregister and the daemon's repairs from interleaving. A second
 * caller waits (bounded, through the clock port) and then fails with who holds it. A lock left by a dead
 * process (kill -9, power loss) is taken over.
 */
export async function acquireLock(
  fs: HostFs,
  system: SystemInfo,
  clock: Clock,
  command: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Lock> {
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  const me: Holder = { pid: process.pid, command, since: clock.now().toISOString() };
  const deadline = clock.now().getTime() + waitMs;
  for (let attempt = 0; ; attempt++) {
    if (await fs.createExclusive(AGENT_STATE.lock, `${JSON.stringify(me)}\n`, 0o600)) {
      return { release: () => fs.remove(AGENT_STATE.lock) };
    }
    const holder = await readHolder(fs);
    if (holder === undefined || !system.processAlive(holder.pid)) {
      await fs.remove(AGENT_STATE.lock); // stale: its owner is gone
      continue;
    }
    if (clock.now().getTime() >= deadline) {
      throw new OperationError(
        `another ecs-anywhere-agent ${holder.command} (pid ${holder.pid}, since ${holder.since}) holds ${fs.resolve(AGENT_STATE.lock)}`,
        {
          remediation:
            "wait for it to finish, or raise --lock-timeout; remove the file only if that process is gone",
        },
      );
    }
    await clock.sleep(Math.min(1000 * 2 ** Math.min(attempt, 3), 5000), signal);
  }
}

async function readHolder(fs: HostFs): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse((await fs.readText(AGENT_STATE.lock)) ?? "") as Partial<Holder>;
    return typeof holder.pid === "number"
      ? { pid: holder.pid, command: String(holder.command), since: String(holder.since) }
      : undefined;
  } catch {
    return undefined;
  }
}
