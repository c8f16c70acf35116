import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * The bundle with its stdout a pipe this side has closed before the command writes (a reader like `| head -1` or
 * `| grep -q` that has seen enough): how it exits and what it says on stderr.
 */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/ecs-anywhere-agent.mjs", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ECS_ANYWHERE_CONFIG: "/dev/null", ECS_ANYWHERE_REGION: "eu-west-1" },
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a reader that closes stdout early", () => {
  it("--help into a closed pipe: the command's own exit code, no EPIPE trace", async () => {
    const run = await runIntoClosedPipe(["--help"]);
    expect(run.stderr).not.toContain("EPIPE");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  it("a failing command keeps its exit code and its error line", async () => {
    const run = await runIntoClosedPipe(["activation", "create", "--expires-in", "soon"]);
    expect(run.stderr).not.toContain("EPIPE");
    expect(run.stderr).toContain("--expires-in");
    expect(run.code).toBe(2);
  });
});
