import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { delimiter, join, relative } from "node:path";

/**
 * Every entry under `root` as "path -> kind mode hash": two snapshots are equal exactly when nothing was
 * created, removed, re-moded or rewritten with other content.
 */
export function snapshotTree(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (entry.isSymbolicLink()) entries[rel] = `link ${readlinkSync(path)}`;
      else if (entry.isDirectory()) {
        entries[rel] = `dir ${modeOf(path)}`;
        walk(path);
      } else if (entry.isFile()) {
        entries[rel] =
          `file ${modeOf(path)} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
      } else entries[rel] = "other";
    }
  };
  walk(root);
  return entries;
}

/** Every regular file under `root` with its content (paths relative to root). */
export function filesUnder(root: string): { path: string; content: string }[] {
  const tree = snapshotTree(root);
  return Object.entries(tree)
    .filter(([, kind]) => kind.startsWith("file "))
    .map(([path]) => ({ path, content: readFileSync(join(root, path), "latin1") }));
}

export function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, "0");
}

/** Processes (pid, process group, command line) whose environment has FAKE_ROOT=root: the fakes acting on it. */
export function processesOfRoot(root: string): { pid: number; pgid: number; args: string }[] {
  const found: { pid: number; pgid: number; args: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (!environ.includes(`FAKE_ROOT=${root}`)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the ")" closing the command name: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue; // a zombie is already dead, only not yet reaped
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      found.push({ pid: Number(name), pgid: Number(fields[2]), args });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * A PATH like the fake host's, but whose system directory is a copy (symlinks) of /usr/bin without `hidden`:
 * a host on which those commands are not installed.
 */
export function pathWithout(hostPath: string, hidden: string[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync("/usr/bin")) {
    if (!hidden.includes(name)) symlinkSync(join("/usr/bin", name), join(dir, name));
  }
  return hostPath
    .split(delimiter)
    .filter((entry) => !["/usr/bin", "/bin", "/usr/local/bin"].includes(entry))
    .concat(dir)
    .join(delimiter);
}
