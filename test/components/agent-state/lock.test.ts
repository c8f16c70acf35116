import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { parseStartTime, type SystemInfo, systemInfoWith } from "../../../src/adapters/host/system.ts";
import { acquireLock, lockFor, UNREADABLE_LOCK_GRACE_MS } from "../../../src/components/agent-state/lock.ts";
import { AGENT_STATE } from "../../../src/components/agent-state/paths.ts";
import { fakeClock } from "../../support/clock.ts";

let root: string;
let fs: HostFs;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lock-test-"));
  fs = new HostFs(root);
  await fs.mkdir(AGENT_STATE.dir, 0o700);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const lockPath = () => fs.resolve(AGENT_STATE.lock);
const lockText = () => readFile(lockPath(), "utf8");
const system = (overrides: Partial<SystemInfo> = {}) => systemInfoWith(fs, overrides);
const acquire = (waitMs: number, overrides: Partial<SystemInfo> = {}, clock = fakeClock()) =>
  acquireLock(fs, system(overrides), clock, "register", waitMs);

/** A live process other than this one (killed when the test finishes). */
function liveProcess(): number {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  if (child.pid === undefined) throw new Error("could not start a process");
  return child.pid;
}

const holder = (pid: unknown, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ pid, command: "deregister", since: "2026-01-02T03:04:05.000Z", ...extra })}\n`;

describe("the lock admits one run", () => {
  it("lets exactly one of two concurrent acquirers in; the other waits and fails naming the holder", async () => {
    for (let round = 0; round < 25; round++) {
      const results = await Promise.allSettled([acquire(0), acquire(0)]);
      const won = results.filter((result) => result.status === "fulfilled");
      const lost = results.filter((result) => result.status === "rejected");
      expect(won).toHaveLength(1);
      expect(String((lost[0] as PromiseRejectedResult).reason)).toMatch(
        new RegExp(`another ecs-anywhere-agent register \\(pid ${process.pid}, since .*\\) holds`),
      );
      await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
      await expect(fs.exists(AGENT_STATE.lock)).resolves.toBe(false);
    }
  });

  it("lets exactly one of two acquirers take over the same stale lock", async () => {
    const dead = spawn("true", { stdio: "ignore" });
    await once(dead, "exit");
    for (let round = 0; round < 25; round++) {
      await writeFile(lockPath(), holder(dead.pid));
      const results = await Promise.allSettled([acquire(0), acquire(0)]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      const won = results.find((result) => result.status === "fulfilled");
      await (won as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
      expect(await fs.list(AGENT_STATE.dir)).toEqual([]);
    }
  });

  it("never shows the lock file empty: it appears with its owner record", async () => {
    const lock = await acquire(0);
    const record = JSON.parse(await lockText());
    expect(record).toMatchObject({ pid: process.pid, command: "register" });
    expect(record.token).toMatch(/^[0-9a-f-]{36}$/);
    await lock.release();
  });

  it("does not steal an empty lock (being written) within the grace period, and names no holder", async () => {
    await writeFile(lockPath(), "");
    const clock = fakeClock();
    await expect(acquire(UNREADABLE_LOCK_GRACE_MS - 1000, {}, clock)).rejects.toThrow(
      /another ecs-anywhere-agent run holds .*lock \(its owner record is not written yet, or is damaged\)/,
    );
    expect(await lockText()).toBe("");
  });

  it("takes an empty lock over once it stayed empty past the grace period (on the clock port)", async () => {
    await writeFile(lockPath(), "");
    const clock = fakeClock();
    const started = clock.now().getTime();
    const lock = await acquire(60_000, {}, clock);
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(UNREADABLE_LOCK_GRACE_MS);
    expect(JSON.parse(await lockText()).pid).toBe(process.pid);
    await lock.release();
  });

  it("does not block on a FIFO put in the lock's place, and takes it over after the grace period", async () => {
    execFileSync("mkfifo", [lockPath()]);
    const lock = await acquire(60_000);
    expect(JSON.parse(await lockText()).pid).toBe(process.pid);
    await lock.release();
  });

  it("release keeps a lock that is no longer its own", async () => {
    const lock = await acquire(0);
    const foreign = holder(liveProcess(), { token: "someone-else" });
    await writeFile(lockPath(), foreign);
    await lock.release();
    expect(await lockText()).toBe(foreign);
  });

  it.each([0, -1, -42, 1.5, "12", null])("treats a lock naming pid %s as stale", async (pid) => {
    await writeFile(lockPath(), holder(pid));
    const lock = await acquire(0);
    expect(JSON.parse(await lockText()).pid).toBe(process.pid);
    await lock.release();
  });

  it("treats a lock written before a reboot as stale even when its pid is alive again", async () => {
    const pid = liveProcess();
    await fs.mkdir("/proc/sys/kernel/random");
    await fs.writeFileAtomic("/proc/sys/kernel/random/boot_id", "2b9f-this-boot\n", { mode: 0o444 });
    await writeFile(lockPath(), holder(pid, { bootId: "7c1e-an-earlier-boot" }));
    const lock = await acquire(0);
    expect(JSON.parse(await lockText())).toMatchObject({ pid: process.pid, bootId: "2b9f-this-boot" });
    await lock.release();
  });

  it("keeps a lock of the same boot whose process is alive", async () => {
    const pid = liveProcess();
    const bootId = "2b9f-this-boot";
    await writeFile(lockPath(), holder(pid, { bootId }));
    await expect(acquire(0, { bootId: async () => bootId })).rejects.toThrow(
      `another ecs-anywhere-agent deregister (pid ${pid}, since 2026-01-02T03:04:05.000Z) holds`,
    );
  });

  it("treats a lock whose pid now belongs to a process started at another time as stale", async () => {
    const pid = liveProcess();
    await writeFile(lockPath(), holder(pid, { startTime: "1000" }));
    const lock = await acquire(0, { processStartTime: async (p) => (p === pid ? "2000" : undefined) });
    expect(JSON.parse(await lockText()).pid).toBe(process.pid);
    await lock.release();
  });

  it("takes over a lock left by a dead process", async () => {
    const dead = spawn("true", { stdio: "ignore" });
    await once(dead, "exit");
    await writeFile(lockPath(), holder(dead.pid));
    const lock = await acquire(0);
    expect(JSON.parse(await lockText()).pid).toBe(process.pid);
    await lock.release();
    expect(await fs.list(AGENT_STATE.dir)).toEqual([]);
  });
});

describe("a process's start time", () => {
  it("is field 22 of /proc/PID/stat, even when the command name holds spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseStartTime(`123 (a (weird) name) ${fields.join(" ")}`)).toBe("22");
    expect(parseStartTime("")).toBeUndefined();
  });

  it("is read for this process on a real host", async () => {
    const info = systemInfoWith(new HostFs("/"));
    const mine = await info.processStartTime(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(await info.processStartTime(-1)).toBeUndefined();
    expect(await info.bootId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("waiting for the lock", () => {
  it("says what it waits for with the elapsed time, and that it timed out and after how long", async () => {
    await writeFile(lockPath(), holder(liveProcess()));
    const lines: string[] = [];
    const waited = acquireLock(fs, system(), fakeClock(), "register", 10_000, undefined, (line) =>
      lines.push(line),
    );
    await expect(waited).rejects.toThrow(new RegExp(`holds ${lockPath()}; timed out after waiting 10s$`));
    expect(lines).toEqual([
      `[lock] waiting for ecs-anywhere-agent deregister (pid ${JSON.parse(await lockText()).pid}) to release ${lockPath()} (elapsed 3s)`,
      `[lock] waiting for ecs-anywhere-agent deregister (pid ${JSON.parse(await lockText()).pid}) to release ${lockPath()} (elapsed 7s)`,
    ]);
  });
});

describe("a command's lock", () => {
  const commandHost = (clock = fakeClock(), signal = new AbortController().signal) => {
    const lines: string[] = [];
    return { fs, system: system(), clock, signal, progress: (line: string) => lines.push(line), lines };
  };

  it("is none on a dry run: nothing written, no wait even while another run holds it", async () => {
    await rm(fs.resolve(AGENT_STATE.dir), { recursive: true });
    await expect(lockFor(commandHost(), "register", 60_000, true)).resolves.toBeUndefined();
    await expect(fs.exists(AGENT_STATE.dir)).resolves.toBe(false);

    await fs.mkdir(AGENT_STATE.dir, 0o700);
    const held = holder(liveProcess());
    await writeFile(lockPath(), held);
    const host = commandHost();
    const before = host.clock.now().getTime();
    await expect(lockFor(host, "upgrade", 60_000, true)).resolves.toBeUndefined();
    expect(host.clock.now().getTime()).toBe(before);
    expect(host.lines).toEqual([]);
    expect(await lockText()).toBe(held);
  });

  it("is taken under the command's name otherwise, and released", async () => {
    const lock = await lockFor(commandHost(), "upgrade", 0, false);
    expect(JSON.parse(await lockText())).toMatchObject({ pid: process.pid, command: "upgrade" });
    await lock?.release();
    await expect(fs.exists(AGENT_STATE.lock)).resolves.toBe(false);
  });

  it("waits up to the given time on the host's clock, telling the host's progress, and stops on its signal", async () => {
    await writeFile(lockPath(), holder(liveProcess()));
    const host = commandHost();
    await expect(lockFor(host, "deregister", 10_000, false)).rejects.toThrow(/timed out after waiting 10s$/);
    expect(host.lines).toHaveLength(2);
    const stop = new AbortController();
    stop.abort(new Error("stopped by SIGTERM"));
    await expect(lockFor(commandHost(fakeClock(), stop.signal), "deregister", 10_000, false)).rejects.toThrow(
      "stopped by SIGTERM",
    );
  });
});

describe("the lock's folder", () => {
  it("is refused when it is a symlink or a file, before anything is written through it", async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), "lock-elsewhere-"));
    onTestFinished(() => rm(elsewhere, { recursive: true, force: true }));
    const folder = fs.resolve(AGENT_STATE.dir);
    await rm(folder, { recursive: true });
    await symlink(elsewhere, folder);
    await expect(acquire(0)).rejects.toThrow(
      `${folder} is a symbolic link: the agent keeps its lock, state and logs there and does not follow it`,
    );
    expect(await readdir(elsewhere)).toEqual([]);
    await rm(folder);
    await writeFile(folder, "not a folder\n");
    await expect(acquire(0)).rejects.toThrow(`${folder} is not a directory`);
  });
});
