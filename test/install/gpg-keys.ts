import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../src/adapters/host/exec.ts";
import { parsePrimaryFingerprints } from "../../src/components/install-script/gpg-output.ts";
import { Redactor } from "../../src/util/redact.ts";

/** A throwaway ed25519 signing key living in its own GNUPGHOME. */
export interface TestKey {
  fingerprint: string;
  publicKey: string;
  /** Returns the detached armored signature of `content`. */
  sign(content: string): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * With `signingSubkey`, the primary key can only certify and a separate subkey signs, the way the Amazon ECS key
 * is built (facts §1: primary F34C…784F, signing subkey D64B…61AF).
 */
export async function generateTestKey(
  name: string,
  options: { signingSubkey?: boolean } = {},
): Promise<TestKey> {
  const home = await mkdtemp(path.join(tmpdir(), "test-gpg-key-"));
  const gpg = async (...args: string[]) => {
    const base = ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""];
    const result = await run("gpg", [...base, ...args], { timeoutMs: 20_000, redactor: new Redactor() });
    if (result.exitCode !== 0) throw new Error(`gpg ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  };
  const usage = options.signingSubkey ? "cert" : "sign";
  await gpg("--quick-gen-key", `${name} <t@example.invalid>`, "ed25519", usage, "never");
  const [fingerprint] = parsePrimaryFingerprints(await gpg("--with-colons", "--fingerprint", "--list-keys"));
  if (fingerprint === undefined) throw new Error("the generated key has no fingerprint");
  if (options.signingSubkey) await gpg("--quick-add-key", fingerprint, "ed25519", "sign", "never");
  return {
    fingerprint,
    publicKey: await gpg("--armor", "--export", fingerprint),
    async sign(content) {
      const dir = await mkdtemp(path.join(tmpdir(), "test-gpg-sign-"));
      await writeFile(path.join(dir, "file"), content);
      await gpg("--armor", "--detach-sign", "--output", path.join(dir, "file.asc"), path.join(dir, "file"));
      const signature = await readFile(path.join(dir, "file.asc"), "utf8");
      await rm(dir, { recursive: true, force: true });
      return signature;
    },
    async dispose() {
      await run("gpgconf", ["--homedir", home, "--kill", "all"], {
        timeoutMs: 10_000,
        redactor: new Redactor(),
      });
      await rm(home, { recursive: true, force: true });
    },
  };
}
