import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { monitorLoopLag } from "../../src/daemon/loop-lag.ts";

describe("the event-loop lag measure", () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000;
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  });
  afterEach(() => vi.useRealTimers());

  /** Moves the time read by the monitor and fires the timers due by then, as a loop on time would. */
  const onTime = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it("reads no lag while its timer runs on time", () => {
    const lag = monitorLoopLag(100, () => now);
    onTime(100);
    onTime(100);
    expect(lag.lagMs()).toBe(0);
    lag.stop();
  });

  it("reads a timer that is overdue right now as lag, before the timer gets to run", () => {
    const lag = monitorLoopLag(100, () => now);
    now += 2_600; // the loop is blocked: time passes, no timer fires
    expect(lag.lagMs()).toBe(2_500);
    lag.stop();
  });

  it("keeps the last timer's delay until the next tick, then drops back", () => {
    const lag = monitorLoopLag(100, () => now);
    now += 900; // blocked for 800 ms past the first tick ...
    vi.advanceTimersByTime(100); // ... which then runs late
    expect(lag.lagMs()).toBe(800);
    onTime(100);
    expect(lag.lagMs()).toBe(0);
    lag.stop();
  });

  it("stops its timer", () => {
    const lag = monitorLoopLag(100, () => now);
    expect(vi.getTimerCount()).toBe(1);
    lag.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
