import { spawnSync } from "node:child_process";

/** Wall time of one run of a command, in milliseconds. */
export function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(cmd, args, { env, stdio: "ignore" });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Runs the candidate and the baseline alternately (so machine noise hits both alike) and returns the ratio
 * of their medians. Machines here are noisy: only ratios measured in the same run are meaningful.
 */
export function ratioAgainstBaseline(
  candidate: () => number,
  baseline: () => number,
  rounds: number,
): { candidateMs: number; baselineMs: number; ratio: number } {
  candidate();
  baseline(); // warm the page cache
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(candidate());
    b.push(baseline());
  }
  const candidateMs = median(a);
  const baselineMs = median(b);
  return { candidateMs, baselineMs, ratio: candidateMs / baselineMs };
}
