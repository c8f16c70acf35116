import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.ts";
import { propagationWait } from "../../src/flows/setup.ts";
import { fakeClock } from "../support/clock.ts";

/** The composition root decides where progress goes; every wait (IAM propagation here) uses that one sink. */
function appWith(output: "text" | "json") {
  let stdout = "";
  let stderr = "";
  const app = createApp(
    {
      env: {},
      clock: fakeClock(),
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    },
    { output, logLevel: "info" },
  );
  return { app, out: () => stdout, err: () => stderr };
}

describe("progress of a wait", () => {
  it("is a line on stderr in text mode", () => {
    const { app, out, err } = appWith("text");
    expect(propagationWait(app).progress).toBe(app.progress);
    propagationWait(app).progress?.("waiting for IAM role to propagate (attempt 1, elapsed 2s)");
    expect(err()).toBe("waiting for IAM role to propagate (attempt 1, elapsed 2s)\n");
    expect(out()).toBe("");
  });

  it("is a log line at info in JSON mode (stdout stays one document)", () => {
    const { app, out, err } = appWith("json");
    propagationWait(app).progress?.("waiting for IAM role to propagate (attempt 1, elapsed 2s)");
    expect(out()).toBe("");
    const line = JSON.parse(err()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "info",
      msg: "progress",
      line: "waiting for IAM role to propagate (attempt 1, elapsed 2s)",
    });
  });
});
