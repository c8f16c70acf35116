import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import type { HostFs } from "./fs.ts";

/** What a path is, who owns it and its permission bits, without following a symlink at the path itself. */
export interface PathOwnership {
  kind: "directory" | "symlink" | "other";
  uid: number;
  /** Permission bits (e.g. 0o755). */
  mode: number;
}

/**
 * The owner the agent's own folders must have: this process's effective uid (root on a real host; the test
 * user when tests run unprivileged under a root prefix).
 */
export function processUid(): number {
  return process.geteuid?.() ?? process.getuid?.() ?? 0;
}

/** undefined when nothing is there. */
export async function inspectOwnership(fs: HostFs, hostPath: string): Promise<PathOwnership | undefined> {
  try {
    const stats = await fsp.lstat(fs.resolve(hostPath));
    const kind = stats.isSymbolicLink() ? "symlink" : stats.isDirectory() ? "directory" : "other";
    return { kind, uid: stats.uid, mode: stats.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Gives a directory (never a symlink's target) to `uid` with exactly `mode`. */
export async function takeOwnership(fs: HostFs, hostPath: string, uid: number, mode: number): Promise<void> {
  // O_NOFOLLOW: a symlink swapped in after the check fails here instead of handing over its target.
  const flags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  const handle = await fsp.open(fs.resolve(hostPath), flags);
  try {
    await handle.chown(uid, -1);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}
