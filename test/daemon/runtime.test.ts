import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DAEMON_V8_FLAGS } from "../../src/daemon/runtime.ts";

const RUNTIME = fileURLToPath(new URL("../../src/daemon/runtime.ts", import.meta.url));

/**
 * Whether a warm function ever ran as Sparkplug (baseline) code in a fresh node, with or without
 * tuneDaemonRuntime() first. V8's own answer (%ActiveTierIsSparkplug), so the test needs no figure of memory.
 */
function everSparkplug(tuned: boolean): boolean {
  const script = `
    const { tuneDaemonRuntime } = await import(${JSON.stringify(RUNTIME)});
    if (process.argv[1] === "tuned") tuneDaemonRuntime();
    function warm(x) { return x + 1; }
    let sum = 0, seen = false;
    for (let i = 0; i < 2000 && !seen; i++) {
      for (let j = 0; j < 50; j++) sum = warm(sum);
      seen = %ActiveTierIsSparkplug(warm);
    }
    process.stdout.write(String(seen));`;
  const run = spawnSync(
    process.execPath,
    [
      "--allow-natives-syntax",
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
      tuned ? "tuned" : "plain",
    ],
    { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } },
  );
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return run.stdout === "true";
}

describe("the daemon's V8 settings (field notes §9.12)", () => {
  it("turn V8's baseline compiler off: a warm function no longer becomes Sparkplug code", () => {
    expect(DAEMON_V8_FLAGS).toContain("--no-sparkplug");
    expect(everSparkplug(false)).toBe(true); // it does without them
    expect(everSparkplug(true)).toBe(false);
  });
});
