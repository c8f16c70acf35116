import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { run } from "../../../src/adapters/host/exec.ts";
import { parsePrimaryFingerprints } from "../../../src/components/install-script/gpg-output.ts";
import { Redactor } from "../../../src/util/redact.ts";

/** A throwaway ed25519 signing key living in its own GNUPGHOME. */
export interface TestKey {
  fingerprint: string;
  publicKey: string;
  /** Returns the detached armored signature of `content`. */
  sign(content: string): Promise<string>;
  /** Stops the home's gpg-agent (and any other gpg daemon) and removes the home. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Making and using a secret key needs a gpg-agent, which gpg starts as a daemon of the home: it outlives the
 * test unless told to stop. So every home is listed here until it is removed, and whatever a test file forgot
 * (the register harness shares one key per file and never disposes of it; a beforeAll that fails halfway) is
 * removed when the file ends (afterAll below).
 */
const liveHomes = new Set<string>();

// Under vitest: registered on the test file that imports this module (vitest loads it while collecting the
// file), so it runs after the file's own afterAll hooks (a worker's "exit" event is no use: vitest ends forks
// without it). Elsewhere (the demo, the bench): when the process runs out of work.
if (process.env.VITEST) afterAll(disposeAllTestKeys);
else process.once("beforeExit", () => void disposeAllTestKeys());

/** Removes every home a test key still has (see liveHomes). */
async function disposeAllTestKeys(): Promise<void> {
  await Promise.all([...liveHomes].map((home) => removeGpgHome(home)));
}

/**
 * With `signingSubkey`, the primary key can only certify and a separate subkey signs, the way the Amazon ECS key
 * is built (field notes §1: primary F34C…784F, signing subkey D64B…61AF).
 */
export async function generateTestKey(
  name: string,
  options: {
    signingSubkey?: boolean;
    /** gpg's expiry for the primary key and the signing subkey: "never" (default), "10d", "30d", ... */
    expires?: string;
    /** Make the key as if it were this many days ago (gpg --faked-system-time), e.g. to have it expired now. */
    createdDaysAgo?: number;
  } = {},
): Promise<TestKey> {
  const home = await mkdtemp(path.join(tmpdir(), "test-gpg-key-"));
  liveHomes.add(home);
  const gpg = async (...args: string[]) => {
    const base = ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""];
    if (options.createdDaysAgo !== undefined) {
      const then = Math.floor(Date.now() / 1000) - options.createdDaysAgo * 86_400;
      base.push("--faked-system-time", `${then}!`, "--ignore-time-conflict");
    }
    const result = await run("gpg", [...base, ...args], { timeoutMs: 20_000, redactor: new Redactor() });
    if (result.exitCode !== 0) throw new Error(`gpg ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  };
  try {
    const usage = options.signingSubkey ? "cert" : "sign";
    const expires = options.expires ?? "never";
    await gpg("--quick-gen-key", `${name} <t@example.invalid>`, "ed25519", usage, expires);
    const [fingerprint] = parsePrimaryFingerprints(
      await gpg("--with-colons", "--fingerprint", "--list-keys"),
    );
    if (fingerprint === undefined) throw new Error("the generated key has no fingerprint");
    if (options.signingSubkey) await gpg("--quick-add-key", fingerprint, "ed25519", "sign", expires);
    return {
      fingerprint,
      publicKey: await gpg("--armor", "--export", fingerprint),
      async sign(content) {
        // Inside the home, so it goes with it whatever happens here.
        const dir = await mkdtemp(path.join(home, "sign-"));
        try {
          await writeFile(path.join(dir, "file"), content);
          await gpg(
            "--armor",
            "--detach-sign",
            "--output",
            path.join(dir, "file.asc"),
            path.join(dir, "file"),
          );
          return await readFile(path.join(dir, "file.asc"), "utf8");
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      dispose: () => removeGpgHome(home),
    };
  } catch (error) {
    await removeGpgHome(home);
    throw error;
  }
}

/**
 * Stops the daemons gpg started for `home` (gpg-agent; dirmngr and keyboxd when they run), then removes the
 * home, even when stopping failed.
 */
async function removeGpgHome(home: string): Promise<void> {
  if (!liveHomes.delete(home)) return;
  const gpgconf = (...args: string[]) =>
    run("gpgconf", ["--homedir", home, ...args], { timeoutMs: 10_000, redactor: new Redactor() });
  try {
    // `--kill all` (GnuPG ≥ 2.1.18) stops every component; otherwise name them one by one.
    if ((await gpgconf("--kill", "all")).exitCode !== 0) {
      for (const component of ["gpg-agent", "dirmngr", "keyboxd"]) await gpgconf("--kill", component);
    }
  } catch {
    // gpgconf could not start: removing the home below still makes the agent exit (it watches its home).
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
