import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import path from "node:path";
import { type Clock, systemClock } from "../../util/clock.ts";
import { OPEN_INPUT_FLAGS, readOpenFile, readTailOfOpenFile } from "./bounded-read.ts";
import {
  type HostFsFaults,
  tempNameFor,
  writeBackup,
  writeNewFile,
  writeThenRename,
} from "./durable-write.ts";
import { asHostFileError, INPUT_FILE_LIMIT, ifExists, isMissing } from "./file-error.ts";

export type { HostFsFaults } from "./durable-write.ts";
export { HostFileError, INPUT_FILE_LIMIT } from "./file-error.ts";

export interface WriteFileOptions {
  /** Permission bits the file must end up with, regardless of the umask (e.g. 0o600). */
  mode: number;
  /** Keep the previous content as `<path>.bak.<timestamp>` when it changes. */
  backup?: boolean;
  /** Refuse (ENOTREG) to replace anything but a regular file: a symlink, FIFO or device (operator paths). */
  regularOnly?: boolean;
}

/**
 * The host filesystem, with every absolute host path joined under `root` so tests run in a temp dir
 * (as nodeadm does). Paths containing ".." are refused. Symlinks inside the root are followed.
 */
export class HostFs {
  readonly root: string;
  readonly #clock: Clock;
  readonly #faults: HostFsFaults;

  constructor(root = "/", clock: Clock = systemClock, faults: HostFsFaults = {}) {
    this.root = path.resolve(root);
    this.#clock = clock;
    this.#faults = faults;
  }

  /** The real path of a host path: `/etc/ecs/ecs.config` -> `<root>/etc/ecs/ecs.config`. */
  resolve(hostPath: string): string {
    if (!path.posix.isAbsolute(hostPath)) throw new Error(`host path must be absolute: ${hostPath}`);
    if (hostPath.split("/").includes("..")) throw new Error(`host path must not contain "..": ${hostPath}`);
    return path.join(this.root, hostPath);
  }

  /**
   * The file's text, or undefined when it does not exist. Bounded like readInputFile: a FIFO or device in a
   * host file's place (it would block a plain read, and a stuck read holds one of libuv's few threads for
   * good), or a file over `limit`, is refused at once with a HostFileError naming the path.
   */
  async readText(hostPath: string, limit = INPUT_FILE_LIMIT): Promise<string | undefined> {
    try {
      return (await this.readInputFile(hostPath, limit))?.bytes.toString("utf8");
    } catch (error) {
      throw asHostFileError("cannot read", this.resolve(hostPath), error);
    }
  }

  /**
   * An input file (config, activation, code, script, key) as bytes, with its permission bits; undefined when
   * it does not exist. Only a regular file of at most `limit` bytes is read: a FIFO, a device (/dev/zero) or
   * a socket is refused at once without blocking (opened non-blocking, checked with fstat), and at most
   * limit+1 bytes are ever read. Refusals throw an error with `code` ENOTREG, EFBIG or EISDIR.
   */
  async readInputFile(
    hostPath: string,
    limit = INPUT_FILE_LIMIT,
  ): Promise<{ bytes: Buffer; mode: number } | undefined> {
    const handle = await ifExists(fsp.open(this.resolve(hostPath), OPEN_INPUT_FLAGS));
    if (handle === undefined) return undefined;
    try {
      return await readOpenFile(handle, limit);
    } finally {
      await handle.close();
    }
  }

  /**
   * The last `maxBytes` of a file under the root (a log, a config), starting at a whole line when older content
   * was left out; undefined when it does not exist. Stricter than readText: a symlink (anywhere on the way) that
   * leads out of the root is refused (ENOTREG) rather than followed, and so is anything but a regular file
   * (opened non-blocking, checked with fstat). A file of any size is fine: only its tail is read.
   */
  async readTail(
    hostPath: string,
    maxBytes: number,
  ): Promise<{ text: string; size: number; truncated: boolean } | undefined> {
    const real = this.resolve(hostPath);
    try {
      const target = await ifExists(fsp.realpath(real));
      if (target === undefined) return undefined;
      const root = await fsp.realpath(this.root);
      if (root !== "/" && target !== root && !target.startsWith(`${root}/`)) {
        throw Object.assign(new Error("it is a symlink that leads out of the root, not followed"), {
          code: "ENOTREG",
        });
      }
      const handle = await fsp.open(target, OPEN_INPUT_FLAGS | constants.O_NOFOLLOW);
      try {
        return await readTailOfOpenFile(handle, maxBytes);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw asHostFileError("cannot read", real, error);
    }
  }

  /** What is at the path, without following a final symlink; undefined when nothing is. */
  async kindOf(hostPath: string): Promise<"file" | "directory" | "symlink" | "other" | undefined> {
    const stats = await ifExists(fsp.lstat(this.resolve(hostPath)));
    if (stats === undefined) return undefined;
    if (stats.isFile()) return "file";
    if (stats.isDirectory()) return "directory";
    return stats.isSymbolicLink() ? "symlink" : "other";
  }

  async exists(hostPath: string): Promise<boolean> {
    return (await ifExists(fsp.stat(this.resolve(hostPath)))) !== undefined;
  }

  /**
   * Replaces the file so a reader sees the old or the new content, never a mix: a temp file in the same
   * folder gets the final mode BEFORE any content (a secret is never readable with looser bits), then is
   * written, fsynced, renamed over the target, and the folder fsynced. Unchanged content is not rewritten;
   * only its mode is corrected. Returns whether the content changed. A failure names the target and the
   * cause (ENOSPC, EROFS, EISDIR, ...) and leaves no temp file behind. With `regularOnly`, whatever is at
   * the path must be a regular file (a symlink, FIFO or device is refused, never replaced).
   */
  async writeFileAtomic(
    hostPath: string,
    content: string | Uint8Array,
    options: WriteFileOptions,
  ): Promise<boolean> {
    const target = this.resolve(hostPath);
    const next = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
    try {
      if (options.regularOnly) {
        const kind = await this.kindOf(hostPath);
        if (kind !== undefined && kind !== "file") {
          throw Object.assign(new Error(`it is a ${kind === "other" ? "device, FIFO or socket" : kind}`), {
            code: kind === "directory" ? "EISDIR" : "ENOTREG",
          });
        }
      }
      const stats = await ifExists(fsp.stat(target));
      if (stats?.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      // A FIFO or device is never read (that could block); it is replaced like a file that differs.
      const previous = stats?.isFile() ? await ifExists(fsp.readFile(target)) : undefined;
      const previousMode = stats === undefined ? 0 : stats.mode & 0o7777;
      if (previous?.equals(next)) {
        if (previousMode !== options.mode) await fsp.chmod(target, options.mode);
        return false;
      }
      if (previous !== undefined && options.backup) {
        // Never looser than either the old or the new file: the old one may hold a secret too.
        await writeBackup(target, previous, previousMode & options.mode, this.#clock.now(), this.#faults);
      }
      await writeThenRename(target, next, options.mode, this.#faults);
      return true;
    } catch (error) {
      throw asHostFileError("cannot write", target, error);
    }
  }

  /**
   * Creates the file with its whole content only when it does not exist yet (the basis of a lock); false
   * when it already does. Atomic: the content goes to a private temp file first, which is then hard-linked
   * to the name (link never replaces), so no reader ever sees the file empty or half-written, and a failed
   * write (a full disk) leaves nothing at the name.
   */
  async createExclusive(hostPath: string, content: string, mode: number): Promise<boolean> {
    const target = this.resolve(hostPath);
    const temp = tempNameFor(target);
    try {
      await writeNewFile(temp, Buffer.from(content, "utf8"), mode, this.#faults);
      await fsp.link(temp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw asHostFileError("cannot create", target, error);
    } finally {
      await fsp.rm(temp, { force: true });
    }
  }

  /**
   * Moves the file to a new name in the same folder (atomic; the new name must not exist). False when
   * there was nothing to move.
   */
  async rename(fromHostPath: string, toHostPath: string): Promise<boolean> {
    const from = this.resolve(fromHostPath);
    try {
      await fsp.rename(from, this.resolve(toHostPath));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw asHostFileError("cannot rename", from, error);
    }
  }

  /** Gives a file a second name (hard link); false when that name already exists. Never replaces. */
  async linkNoReplace(existingHostPath: string, newHostPath: string): Promise<boolean> {
    const target = this.resolve(newHostPath);
    try {
      await fsp.link(this.resolve(existingHostPath), target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw asHostFileError("cannot create", target, error);
    }
  }

  /**
   * mkdir -p; the directory itself gets exactly `mode` when created, missing parents get the usual 0755
   * (so creating a private folder never tightens /var/lib); existing directories are left alone.
   */
  async mkdir(hostPath: string, mode = 0o755): Promise<void> {
    const target = this.resolve(hostPath);
    try {
      const first = await fsp.mkdir(target, { recursive: true, mode: 0o755 });
      if (first === undefined) return;
      for (let dir = target; dir.length >= first.length; dir = path.dirname(dir)) {
        await fsp.chmod(dir, dir === target ? mode : 0o755);
        if (dir === first) break;
      }
    } catch (error) {
      throw asHostFileError("cannot create the folder", target, error);
    }
  }

  /**
   * Takes from an existing folder every permission bit `mode` does not grant (0o700: only its owner may enter
   * it); false when nothing had to change. A symlink in the folder's place is refused, never followed.
   */
  async restrictFolder(hostPath: string, mode: number): Promise<boolean> {
    const target = this.resolve(hostPath);
    try {
      const handle = await fsp.open(
        target,
        constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
      );
      try {
        const current = (await handle.stat()).mode & 0o777;
        if ((current & ~mode) === 0) return false;
        await handle.chmod(current & mode);
        return true;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw asHostFileError("cannot restrict the folder", target, error);
    }
  }

  /** Creates a fresh private (0700) directory under `parentHostPath`; returns its host path. */
  async makeTempDir(parentHostPath: string, prefix: string): Promise<string> {
    const parent = this.resolve(parentHostPath);
    try {
      const real = await fsp.mkdtemp(path.join(parent, prefix));
      await fsp.chmod(real, 0o700);
      return path.posix.join(parentHostPath, path.basename(real));
    } catch (error) {
      throw asHostFileError("cannot create a temporary folder in", parent, error);
    }
  }

  /** Removes a file (or a folder with `recursive`); a no-op when already missing. */
  async remove(hostPath: string, options: { recursive?: boolean } = {}): Promise<void> {
    const target = this.resolve(hostPath);
    try {
      await fsp.rm(target, { force: true, recursive: options.recursive ?? false });
    } catch (error) {
      throw asHostFileError("cannot remove", target, error);
    }
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
}
