import { CommandStartError, describeFailure, type RunResult } from "../../adapters/host/exec.ts";
import { type BundleFile, type CollectContext, keepTail, type Sink } from "./collect.ts";

const COMMAND_TIMEOUT_MS = 30_000;
/** A journal excerpt or a command's output: at most this much of its end. */
export const OUTPUT_BYTES = 1024 * 1024;

/** What a command printed, or undefined when it could not run or failed (recorded as not collected). */
export async function runForBundle(
  ctx: CollectContext,
  sink: Sink,
  name: string,
  cmd: string,
  args: readonly string[],
): Promise<BundleFile | undefined> {
  const { host } = ctx.built;
  const source = [cmd, ...args].join(" ");
  let result: RunResult;
  try {
    result = await host.run(cmd, args, { timeoutMs: COMMAND_TIMEOUT_MS, redactor: host.redactor });
  } catch (error) {
    if (!(error instanceof CommandStartError)) throw error;
    sink.missing(name, source, error.message);
    return undefined;
  }
  if (result.exitCode !== 0 || result.timedOut) {
    sink.missing(name, source, describeFailure(result));
    return undefined;
  }
  const kept = keepTail(result.stdout, OUTPUT_BYTES);
  const file: BundleFile = {
    name,
    source,
    content: kept.text,
    exitCode: result.exitCode,
    ...(kept.truncated ? { truncated: true } : {}),
  };
  sink.file(file);
  return file;
}

/** `journalctl -u UNIT`: its last `lines` lines, with ISO timestamps, never paged. */
export function journalArgs(unit: string, lines: number): string[] {
  return ["-u", unit, "-n", String(lines), "--no-pager", "-o", "short-iso"];
}
