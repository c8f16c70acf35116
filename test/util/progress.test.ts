import { describe, expect, it } from "vitest";
import { waitProgress } from "../../src/util/progress.ts";
import { fakeClock } from "../support/clock.ts";

describe("waitProgress", () => {
  it("stays silent for the first 2 s, then prints at most one line per 2 s with the elapsed time", () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const progress = waitProgress(clock, (line) => lines.push(line), "verify");
    progress.tick("polling");
    clock.advance(1999);
    progress.tick("polling");
    expect(lines).toEqual([]);
    clock.advance(1);
    progress.tick("polling");
    clock.advance(1000);
    progress.tick("polling");
    clock.advance(1000);
    progress.tick("still polling");
    clock.advance(90_000);
    progress.tick("polling");
    expect(lines).toEqual([
      "[verify] polling (elapsed 2s)",
      "[verify] still polling (elapsed 4s)",
      "[verify] polling (elapsed 1m34s)",
    ]);
    expect(progress.elapsed()).toBe("1m34s");
  });

  it("without a sink says nothing", () => {
    const clock = fakeClock();
    const progress = waitProgress(clock, undefined, "lock");
    clock.advance(5000);
    expect(() => progress.tick("x")).not.toThrow();
  });
});
