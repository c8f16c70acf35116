import { CommandStartError } from "../adapters/host/exec.ts";
import { type CheckContext, defineCheck, fail, pass, warn } from "./types.ts";

const INSTALL_GPG = "install gnupg (apt-get install gnupg, dnf install gnupg2, zypper install gpg2)";

/** The first line of `gpg --version` ("gpg (GnuPG) 2.4.4"), or why gpg could not be run. */
async function gpgVersion(
  ctx: CheckContext,
): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  try {
    const result = await ctx.run("gpg", ["--version"], { timeoutMs: ctx.timeoutMs, redactor: ctx.redactor });
    if (result.exitCode === 0) return { ok: true, version: result.stdout.split("\n")[0]?.trim() || "gpg" };
    return {
      ok: false,
      why: result.timedOut ? "gpg --version timed out" : `gpg --version exited with ${result.exitCode}`,
    };
  } catch (error) {
    if (error instanceof CommandStartError) return { ok: false, why: "gpg is not installed" };
    throw error;
  }
}

export const gpgCheck = defineCheck("gpg", "gpg can verify the install script's signature", async (ctx) => {
  const gpg = await gpgVersion(ctx);
  if (gpg.ok) return pass(gpg.version);
  const { file, sha256 } = ctx.installScript;
  if (file !== undefined && sha256 !== undefined) {
    // field notes §1: the script silently skips verifying the SSM agent and ecs-init packages without gpg.
    return warn(
      `${gpg.why}: the install script is pinned by SHA-256, but it will not verify the packages it downloads`,
      `${INSTALL_GPG} so the install script can verify the SSM agent and ecs-init packages`,
    );
  }
  return fail(
    `${gpg.why}: the install script's signature cannot be verified`,
    `${INSTALL_GPG}, or pass --install-script FILE --install-script-sha256 HEX for a copy you verified elsewhere`,
  );
});
