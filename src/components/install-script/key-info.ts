import { tmpdir } from "node:os";
import { posix } from "node:path";
import type { RunCommand } from "../../adapters/host/exec.ts";
import { HostFs } from "../../adapters/host/fs.ts";
import { Redactor } from "../../util/redact.ts";
import { type PublicKeyInfo, parsePublicKey } from "./gpg-output.ts";

/**
 * What gpg says of an armored public key (fingerprints, expiry, capabilities), read in a throwaway GNUPGHOME
 * without importing it anywhere and without starting a gpg-agent. undefined when the text holds no key.
 */
export async function inspectPublicKey(
  armored: string,
  deps: { exec: RunCommand; fs?: HostFs; tempParent?: string; gpgCommand?: string; timeoutMs?: number },
): Promise<PublicKeyInfo | undefined> {
  const fs = deps.fs ?? new HostFs();
  const home = await fs.makeTempDir(deps.tempParent ?? tmpdir(), "ecs-anywhere-gpg-");
  try {
    const keyFile = posix.join(home, "key.asc");
    await fs.writeFileAtomic(keyFile, armored, { mode: 0o600 });
    const listed = await deps.exec(
      deps.gpgCommand ?? "gpg",
      [
        "--homedir",
        fs.resolve(home),
        "--batch",
        "--no-tty",
        "--no-autostart",
        "--with-colons",
        "--fingerprint",
        "--fingerprint",
        "--import-options",
        "show-only",
        "--import",
        fs.resolve(keyFile),
      ],
      { timeoutMs: deps.timeoutMs ?? 30_000, redactor: new Redactor() },
    );
    return parsePublicKey(listed.stdout);
  } finally {
    await fs.remove(home, { recursive: true });
  }
}
