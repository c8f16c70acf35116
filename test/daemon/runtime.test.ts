import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nodeOf, PRODUCTION_NODE } from "../../bench/unit-env.ts";
import { DAEMON_V8_FLAGS } from "../../src/daemon/runtime.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RUNTIME = fileURLToPath(new URL("../../src/daemon/runtime.ts", import.meta.url));
const MARK = "-- tuned --";

/**
 * How many functions V8 queued for Sparkplug (baseline) compilation in a fresh node once tuneDaemonRuntime() had
 * run (or would have): V8's own trace of its batch compiler, read after a mark the script prints. The script warms
 * twenty distinct functions up, so that some reach Sparkplug whatever other tier V8 prefers for one of them.
 */
function baselineCompilesAfterTuning(node: string, tuned: boolean): number {
  const warm = Array.from(
    { length: 20 },
    (_, n) => `function f${n}(x) { return x + ${n}; } for (let i = 0; i < 20000; i++) sum = f${n}(sum);`,
  ).join("\n");
  const script = `
    const { tuneDaemonRuntime } = await import(${JSON.stringify(RUNTIME)});
    if (process.argv[1] === "tuned") tuneDaemonRuntime();
    process.stdout.write(${JSON.stringify(`${MARK}\n`)});
    let sum = 0;
    ${warm}`;
  const run = spawnSync(
    node,
    [
      "--trace-baseline-batch-compilation",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
      tuned ? "tuned" : "plain",
    ],
    { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" }, cwd: REPO },
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  const after = run.stdout.slice(run.stdout.indexOf(MARK));
  expect(after.startsWith(MARK)).toBe(true);
  return after.split("\n").filter((line) => line.startsWith("[Baseline batch compilation]")).length;
}

describe("the daemon's V8 settings (field notes §9.12)", () => {
  it.each([
    ["this Node", process.execPath],
    [`Node ${PRODUCTION_NODE}`, nodeOf(PRODUCTION_NODE)],
  ])(
    "turn V8's baseline compiler off on %s: no function is queued for Sparkplug code afterwards",
    (_, node) => {
      expect(DAEMON_V8_FLAGS).toContain("--no-sparkplug");
      expect(baselineCompilesAfterTuning(node, false)).toBeGreaterThan(0); // it does queue them without the settings
      expect(baselineCompilesAfterTuning(node, true)).toBe(0);
    },
  );
});
