import * as fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunCommand } from "./exec.ts";
import type { HostFs } from "./fs.ts";

/** Facts about the machine that are not files: who we run as, what CPU, how much disk. Read-only. */
export interface SystemInfo {
  /** The effective user id (0 = root). */
  uid(): number;
  /** The machine architecture as `uname -m` spells it (x86_64, aarch64, armv7l, ...). */
  arch(): string;
  /**
   * Bytes available to unprivileged writers on the filesystem holding `hostPath` (joined under the root).
   * A missing path is measured at its nearest existing ancestor, where it would be created.
   */
  freeBytes(hostPath: string): Promise<number>;
  hostname(): string;
  /** True when a process with this id exists (signal 0), e.g. the holder of a lock. */
  processAlive(pid: number): boolean;
  /** This boot's id (/proc/sys/kernel/random/boot_id under the root); undefined where there is none. */
  bootId(): Promise<string | undefined>;
  /**
   * When the process started, in clock ticks since boot (field 22 of /proc/PID/stat under the root): with
   * the pid, it names one process even after the pid is reused. undefined when unknown.
   */
  processStartTime(pid: number): Promise<string | undefined>;
}

/**
 * What the CLI's composition root may override about the host; anything left out is the real thing.
 * Tests pass e.g. `{ system: { uid: () => 0 }, run: fakeRun }` to run unprivileged.
 */
export interface HostDeps {
  system?: Partial<SystemInfo>;
  run?: RunCommand;
}

// process.arch -> `uname -m` (the names the install script compares against, field notes §1).
const UNAME_MACHINE: Readonly<Record<string, string>> = {
  x64: "x86_64",
  arm64: "aarch64",
  arm: "armv7l",
  ia32: "i686",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

export function unameMachine(nodeArch: string): string {
  return UNAME_MACHINE[nodeArch] ?? nodeArch;
}

/** The real machine, with every path measured under `fs.root`. */
export function createSystemInfo(fs: HostFs): SystemInfo {
  return {
    uid: () => process.geteuid?.() ?? process.getuid?.() ?? -1,
    arch: () => unameMachine(process.arch),
    freeBytes: async (hostPath) => {
      const stats = await fsp.statfs(await nearestExisting(fs.resolve(hostPath)));
      return Number(stats.bavail) * Number(stats.bsize);
    },
    hostname: () => os.hostname(),
    processAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
      }
    },
    bootId: async () => (await readQuietly(fs, "/proc/sys/kernel/random/boot_id"))?.trim() || undefined,
    processStartTime: async (pid) => {
      if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
      return parseStartTime((await readQuietly(fs, `/proc/${pid}/stat`)) ?? "");
    },
  };
}

/** Field 22 (starttime) of a /proc/PID/stat line; the command name (field 2) may hold spaces and ")". */
export function parseStartTime(stat: string): string | undefined {
  const fields = stat
    .slice(stat.lastIndexOf(")") + 1)
    .trim()
    .split(/\s+/);
  const value = fields[19]; // fields after the name start at field 3 (state)
  return value !== undefined && /^\d+$/.test(value) ? value : undefined;
}

/** A kernel file's text, or undefined when it is missing or unreadable (facts, never failures). */
async function readQuietly(fs: HostFs, hostPath: string): Promise<string | undefined> {
  try {
    return await fs.readText(hostPath);
  } catch {
    return undefined;
  }
}

/** The real system with the given parts replaced (tests, or a caller that knows better). */
export function systemInfoWith(fs: HostFs, overrides: Partial<SystemInfo> = {}): SystemInfo {
  return { ...createSystemInfo(fs), ...overrides };
}

async function nearestExisting(realPath: string): Promise<string> {
  for (let current = realPath; ; current = path.dirname(current)) {
    try {
      await fsp.stat(current);
      return current;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || current === path.dirname(current)) throw error;
    }
  }
}
