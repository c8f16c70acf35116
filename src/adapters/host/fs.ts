import { randomBytes } from "node:crypto";
import { constants, readFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import path from "node:path";
import { type Clock, systemClock } from "../../util/clock.ts";

export interface WriteFileOptions {
  /** Permission bits the file must end up with, regardless of the umask (e.g. 0o600). */
  mode: number;
  /** Keep the previous content as `<path>.bak.<timestamp>` when it changes. */
  backup?: boolean;
}

/**
 * The host filesystem, with every absolute host path joined under `root` so tests run in a temp dir
 * (as nodeadm does). Paths containing ".." are refused. Symlinks inside the root are followed.
 */
export class HostFs {
  readonly root: string;
  readonly #clock: Clock;

  constructor(root = "/", clock: Clock = systemClock) {
    this.root = path.resolve(root);
    this.#clock = clock;
  }

  /** The real path of a host path: `/etc/ecs/ecs.config` -> `<root>/etc/ecs/ecs.config`. */
  resolve(hostPath: string): string {
    if (!path.posix.isAbsolute(hostPath)) throw new Error(`host path must be absolute: ${hostPath}`);
    if (hostPath.split("/").includes("..")) throw new Error(`host path must not contain "..": ${hostPath}`);
    return path.join(this.root, hostPath);
  }

  /** The file's text, or undefined when it does not exist. */
  async readText(hostPath: string): Promise<string | undefined> {
    return ifExists(fsp.readFile(this.resolve(hostPath), "utf8"));
  }

  async exists(hostPath: string): Promise<boolean> {
    return (await ifExists(fsp.stat(this.resolve(hostPath)))) !== undefined;
  }

  /**
   * Replaces the file so a reader sees the old or the new content, never a mix: a temp file in the same
   * folder gets the final mode BEFORE any content (a secret is never readable with looser bits), then is
   * written, fsynced, renamed over the target, and the folder fsynced. Unchanged content is not rewritten;
   * only its mode is corrected. Returns whether the content changed.
   */
  async writeFileAtomic(
    hostPath: string,
    content: string | Uint8Array,
    options: WriteFileOptions,
  ): Promise<boolean> {
    const target = this.resolve(hostPath);
    const next = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
    const previous = await ifExists(fsp.readFile(target));
    const previousMode = previous === undefined ? 0 : (await fsp.stat(target)).mode & 0o7777;
    if (previous?.equals(next)) {
      if (previousMode !== options.mode) await fsp.chmod(target, options.mode);
      return false;
    }
    if (previous !== undefined && options.backup) {
      // Never looser than either the old or the new file: the old one may hold a secret too.
      await this.#writeBackup(target, previous, previousMode & options.mode);
    }
    await writeThenRename(target, next, options.mode);
    return true;
  }

  /** Creates the file only when it does not exist yet (the basis of a lock); false when it already does. */
  async createExclusive(hostPath: string, content: string, mode: number): Promise<boolean> {
    try {
      await writeNewFile(this.resolve(hostPath), Buffer.from(content, "utf8"), mode);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
  }

  /**
   * mkdir -p; the directory itself gets exactly `mode` when created, missing parents get the usual 0755
   * (so creating a private folder never tightens /var/lib); existing directories are left alone.
   */
  async mkdir(hostPath: string, mode = 0o755): Promise<void> {
    const target = this.resolve(hostPath);
    const first = await fsp.mkdir(target, { recursive: true, mode: 0o755 });
    if (first === undefined) return;
    for (let dir = target; dir.length >= first.length; dir = path.dirname(dir)) {
      await fsp.chmod(dir, dir === target ? mode : 0o755);
      if (dir === first) break;
    }
  }

  /** Creates a fresh private (0700) directory under `parentHostPath`; returns its host path. */
  async makeTempDir(parentHostPath: string, prefix: string): Promise<string> {
    const real = await fsp.mkdtemp(path.join(this.resolve(parentHostPath), prefix));
    await fsp.chmod(real, 0o700);
    return path.posix.join(parentHostPath, path.basename(real));
  }

  /** Removes a file (or a folder with `recursive`); a no-op when already missing. */
  async remove(hostPath: string, options: { recursive?: boolean } = {}): Promise<void> {
    await fsp.rm(this.resolve(hostPath), { force: true, recursive: options.recursive ?? false });
  }

  /** Removes the folder when it is empty; false when it still holds something (or is already gone). */
  async removeEmptyDir(hostPath: string): Promise<boolean> {
    try {
      await fsp.rmdir(this.resolve(hostPath));
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || isMissing(error)) return false;
      throw error;
    }
  }

  /** Entry names in the folder, sorted; empty when the folder does not exist. */
  async list(hostPath: string): Promise<string[]> {
    return ((await ifExists(fsp.readdir(this.resolve(hostPath)))) ?? []).sort();
  }

  async #writeBackup(target: string, content: Buffer, mode: number): Promise<void> {
    const stamp = this.#clock.now().toISOString().replace(/[-:]/g, "");
    for (let attempt = 0; ; attempt++) {
      const candidate = `${target}.bak.${stamp}${attempt === 0 ? "" : `.${attempt}`}`;
      try {
        await writeNewFile(candidate, content, mode);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 100) throw error;
      }
    }
  }
}

async function writeThenRename(target: string, content: Buffer, mode: number): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await writeNewFile(temp, content, mode);
    await fsp.rename(temp, target);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
  await fsyncPath(dir, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** Creates the file exclusively, sets its mode before writing (umask-proof), writes and fsyncs it. */
async function writeNewFile(file: string, content: Buffer, mode: number): Promise<void> {
  const handle = await fsp.open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600 & mode,
  );
  try {
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncPath(file: string, flags: number): Promise<void> {
  const handle = await fsp.open(file, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The error says the path does not exist (it, or a folder on the way, is missing). */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Resolves to undefined instead of rejecting when the path does not exist. */
async function ifExists<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * The text of the file at `path` as given (not joined under a HostFs root), or undefined when it does not
 * exist; other errors are thrown. Synchronous because config loading is.
 */
export function readTextFileSync(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
