import { tmpdir } from "node:os";
import { posix } from "node:path";
import type { RunCommand, RunResult } from "../../adapters/host/exec.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { Redactor } from "../../util/redact.ts";

export interface GpgHomeOptions {
  exec: RunCommand;
  fs?: HostFs;
  /** Host folder for the temporary GNUPGHOME; defaults to the OS temp dir. */
  tempParent?: string;
  gpgCommand?: string;
  timeoutMs?: number;
  redactor?: Redactor;
}

/** A throwaway GNUPGHOME: files written into it (0600), and gpg run against it. */
export interface GpgHome {
  /** Writes `name` into the home and returns its real path (for gpg's arguments). */
  write(name: string, content: string | Uint8Array): Promise<string>;
  gpg(args: string[]): Promise<RunResult>;
}

/**
 * Runs `body` with a fresh GNUPGHOME and always removes it. gpg runs in batch mode with --no-autostart: reading
 * public keys and verifying signatures need no gpg-agent, so none is left behind.
 */
export async function withGpgHome<T>(
  options: GpgHomeOptions,
  body: (home: GpgHome) => Promise<T>,
): Promise<T> {
  const fs = options.fs ?? new HostFs();
  const home = await fs.makeTempDir(options.tempParent ?? tmpdir(), "ecs-anywhere-gpg-");
  try {
    return await body({
      async write(name, content) {
        const file = posix.join(home, name);
        await fs.writeFileAtomic(file, content, { mode: 0o600 });
        return fs.resolve(file);
      },
      gpg: (args) =>
        options.exec(
          options.gpgCommand ?? "gpg",
          ["--homedir", fs.resolve(home), "--batch", "--no-tty", "--no-autostart", ...args],
          { timeoutMs: options.timeoutMs ?? 30_000, redactor: options.redactor ?? new Redactor() },
        ),
    });
  } finally {
    await fs.remove(home, { recursive: true });
  }
}
