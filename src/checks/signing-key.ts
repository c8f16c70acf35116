import { CommandStartError } from "../adapters/host/exec.ts";
import { HostFs } from "../adapters/host/fs.ts";
import { normalizeFingerprint } from "../components/install-script/gpg-output.ts";
import { judgeSigningKey } from "../components/install-script/key-expiry.ts";
import { inspectPublicKey } from "../components/install-script/key-info.ts";
import { describeKeyOrigin, keyOrigin, loadSigningKey } from "../components/install-script/obtain.ts";
import { AMAZON_ECS_KEY_FINGERPRINT } from "../components/install-script/verify.ts";
import { OperationError } from "../errors.ts";
import { defineCheck, fail, pass } from "./types.ts";

/**
 * The key that verifies the install script's signature: at hand, the pinned one, and valid for a while yet (field
 * notes §1.2, §6.1: signing keys expire). Found only when the script is verified, a problem would stop the run after
 * the activation exists.
 */
export const signingKeyCheck = defineCheck(
  "signing-key",
  "the key that verifies the install script is at hand, pinned and not expiring",
  async (ctx) => {
    const { file, insecureSkipVerify } = ctx.installScript;
    if (file !== undefined) return pass("a local copy pinned by SHA-256 is used: no signing key needed");
    if (insecureSkipVerify) return pass("--insecure-skip-verify: no signing key is read");
    const pinned = normalizeFingerprint(ctx.installScript.fingerprint ?? AMAZON_ECS_KEY_FINGERPRINT);
    const source = {
      ...(ctx.installScript.gpgKeyFile === undefined ? {} : { gpgKeyFile: ctx.installScript.gpgKeyFile }),
      ...(ctx.installScript.gpgKeyUrl === undefined ? {} : { gpgKeyUrl: ctx.installScript.gpgKeyUrl }),
      fingerprint: pinned,
    };
    const origin = describeKeyOrigin(keyOrigin(source));
    let armored: Buffer;
    try {
      armored = await loadSigningKey(source, {
        files: ctx.files ?? new HostFs("/", ctx.clock),
        timeoutMs: ctx.timeoutMs,
        proxy: ctx.proxy,
      });
    } catch (error) {
      if (!(error instanceof OperationError)) throw error;
      return fail(error.message, error.remediation ?? `check ${origin}`);
    }
    let info: Awaited<ReturnType<typeof inspectPublicKey>>;
    try {
      info = await inspectPublicKey(armored.toString("utf8"), { exec: ctx.run, timeoutMs: ctx.timeoutMs });
    } catch (error) {
      // The gpg check says how to install gpg; this one cannot look at the key without it.
      if (error instanceof CommandStartError) return pass(`${origin}: not inspected (gpg is not installed)`);
      throw error;
    }
    if (info === undefined) {
      return fail(
        `${origin} holds no OpenPGP public key`,
        `point the key source at the armored Amazon ECS key`,
      );
    }
    if (info.primary.fingerprint !== pinned) {
      return fail(
        `${origin} is key ${info.primary.fingerprint}, not the pinned ${pinned}: the script would be refused`,
        "point --gpg-key-file or --gpg-key-url at the genuine key, or leave both unset to use the built-in Amazon ECS key",
      );
    }
    const judged = judgeSigningKey(info, ctx.clock.now());
    const summary = `${origin} (${pinned}): ${judged.summary}`;
    const plan = { summary, details: judged.details };
    if (judged.status === "ok") return { ...pass(summary), ...plan };
    const remediation =
      "get the renewed key (the ECS Anywhere documentation, or scripts/amazon-ecs-agent.gpg in aws/amazon-ecs-agent) " +
      "and pass it with --gpg-key-file, or upgrade the agent";
    return { status: judged.status, ...plan, remediation };
  },
);
