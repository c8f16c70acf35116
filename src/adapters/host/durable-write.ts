// How HostFs writes a file so that a crash, a signal or a full disk leaves the old content or the new one, never a
// mix, an empty file or a file with looser permissions: the content goes to a new file in the same folder whose mode
// is set before anything is written, is fsynced, and only then takes the target's name (rename, or a hard link
// where the name must not be replaced); the folder is fsynced after a rename. A backup of the old content is such a
// new file too, under a name of its own.
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import path from "node:path";
import { crypto } from "../../util/builtins.ts";

/**
 * Test hooks: `beforeWrite` runs on the real path of each file about to receive content and may throw an
 * errno-style error, so a full disk (ENOSPC) or a read-only file system (EROFS) can be simulated.
 */
export interface HostFsFaults {
  beforeWrite?(realPath: string): void;
}

/** A name for a new file beside `target`, hidden and random (another writer's temp file is never reused). */
export function tempNameFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${crypto().randomBytes(6).toString("hex")}`,
  );
}

/** Replaces `target` with `content` through a temp file (removed again if anything fails), then fsyncs the folder. */
export async function writeThenRename(
  target: string,
  content: Buffer,
  mode: number,
  faults: HostFsFaults,
): Promise<void> {
  const dir = path.dirname(target);
  const temp = tempNameFor(target);
  try {
    await writeNewFile(temp, content, mode, faults);
    await fsp.rename(temp, target);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
  await fsyncPath(dir, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** Creates the file exclusively, sets its mode before writing (umask-proof), writes and fsyncs it. */
export async function writeNewFile(
  file: string,
  content: Buffer,
  mode: number,
  faults: HostFsFaults,
): Promise<void> {
  const handle = await fsp.open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    0o600 & mode,
  );
  try {
    await handle.chmod(mode);
    faults.beforeWrite?.(file);
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Keeps `content` (a file's previous content) as `<target>.bak.<time>`, a new file that never replaces another
 * backup: a second one in the same second gets `.1`, `.2`, ... after the time.
 */
export async function writeBackup(
  target: string,
  content: Buffer,
  mode: number,
  now: Date,
  faults: HostFsFaults,
): Promise<void> {
  const stamp = now.toISOString().replace(/[-:]/g, "");
  for (let attempt = 0; ; attempt++) {
    const candidate = `${target}.bak.${stamp}${attempt === 0 ? "" : `.${attempt}`}`;
    try {
      await writeNewFile(candidate, content, mode, faults);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 100) throw error;
    }
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
