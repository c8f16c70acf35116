import { describe, expect, it } from "vitest";
import type { App } from "../../src/app/app.ts";
import { propagationWait } from "../../src/flows/setup.ts";
import { fakeClock } from "../support/clock.ts";

function appWith(output: "text" | "json") {
  const err: string[] = [];
  const info: unknown[][] = [];
  const app = {
    output,
    clock: fakeClock(),
    signal: new AbortController().signal,
    io: { err: (line: string) => err.push(line) },
    log: { info: (...args: unknown[]) => info.push(args), debug: () => {} },
  } as unknown as App;
  return { app, err, info };
}

describe("progress of a wait", () => {
  it("is a line on stderr in text mode", () => {
    const { app, err, info } = appWith("text");
    propagationWait(app).progress?.("waiting for IAM role to propagate (attempt 1, elapsed 2s)");
    expect(err).toEqual(["waiting for IAM role to propagate (attempt 1, elapsed 2s)"]);
    expect(info).toEqual([]);
  });

  it("is a log line at info in JSON mode (stdout stays one document)", () => {
    const { app, err, info } = appWith("json");
    propagationWait(app).progress?.("waiting for IAM role to propagate (attempt 1, elapsed 2s)");
    expect(err).toEqual([]);
    expect(info).toEqual([
      [{ line: "waiting for IAM role to propagate (attempt 1, elapsed 2s)" }, "progress"],
    ]);
  });
});
