import { describe, expect, it } from "vitest";
import { DECREASE, MIN_RATE, Pacer } from "../../../src/adapters/aws/pacing.ts";
import { RateLimiter } from "../../emulator/faults.ts";
import { fakeClock } from "../../support/clock.ts";

/** `n` calls through the pacer, each answered. */
async function answered(pacer: Pacer, n: number): Promise<number[]> {
  const turns: number[] = [];
  for (let i = 0; i < n; i++) {
    turns.push(await pacer.acquire());
    pacer.answeredCall();
  }
  return turns;
}

describe("Pacer", () => {
  it("sends at once until the service throttles a call", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock);
    const start = clock.now().getTime();
    expect(await answered(pacer, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(clock.now().getTime()).toBe(start);
    expect(pacer.callsPerSecond).toBeUndefined();
  });

  it("after a throttle sends at DECREASE x what the last second answered, spaced on the clock, creeping up", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock);
    await answered(pacer, 3);
    clock.advance(2000); // answers older than a second do not count
    await answered(pacer, 10);
    pacer.throttled(await pacer.acquire());
    expect(pacer.callsPerSecond).toBe(DECREASE * 10);
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await pacer.acquire();
      sentAt.push(clock.now().getTime());
      pacer.answeredCall();
    }
    const gaps = sentAt.slice(1).map((at, i) => at - (sentAt[i] as number));
    // 1000 / 8 = 125 ms apart, a little less after each answered call.
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(120);
      expect(gap).toBeLessThanOrEqual(125);
    }
    expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
    expect(pacer.callsPerSecond).toBeGreaterThan(8);
  });

  it("cuts the rate once per round: throttles of calls sent before the cut change nothing", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock);
    await answered(pacer, 10);
    const inFlight = [await pacer.acquire(), await pacer.acquire(), await pacer.acquire()];
    for (const turn of inFlight) pacer.throttled(turn);
    expect(pacer.callsPerSecond).toBe(DECREASE * 10);
    // A call sent after the cut and throttled cuts again.
    pacer.throttled(await pacer.acquire());
    expect(pacer.callsPerSecond).toBeCloseTo(DECREASE * DECREASE * 10, 10);
  });

  it("never goes below MIN_RATE, even when nothing was answered", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock);
    pacer.throttled(await pacer.acquire());
    expect(pacer.callsPerSecond).toBe(MIN_RATE);
    const before = clock.now().getTime();
    await pacer.acquire();
    expect(clock.now().getTime() - before).toBe(1000 / MIN_RATE);
  });

  it("a cancelled wait gives its turn to the next call", async () => {
    const clock = fakeClock();
    const pacer = new Pacer(clock);
    pacer.throttled(await pacer.acquire());
    const cancelled = new AbortController();
    cancelled.abort(new Error("cancelled"));
    await expect(pacer.acquire(cancelled.signal)).rejects.toThrow("cancelled");
    await expect(pacer.acquire()).resolves.toBe(2);
  });

  it("against a token bucket (10/s, burst 10): 1,000 calls, few refused, at nearly the bucket's rate", async () => {
    const clock = fakeClock();
    const ms = () => clock.now().getTime();
    const bucket = new RateLimiter(ms);
    bucket.set("ssm", 10, 10);
    const pacer = new Pacer(clock);
    const start = ms();
    let refused = 0;
    // Eight callers, as the activation batch runs them; a refused call goes again (the pacer spaces it).
    let left = 1000;
    const caller = async () => {
      while (left > 0) {
        const turn = await pacer.acquire();
        if (bucket.tryTake("ssm")) {
          left -= 1;
          pacer.answeredCall();
        } else {
          refused += 1;
          pacer.throttled(turn);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, caller));
    const seconds = (ms() - start) / 1000;
    // The bucket answers 10 at once, then 10 a second: 99 s at best.
    expect(refused).toBeLessThanOrEqual(30);
    expect(seconds).toBeGreaterThanOrEqual(99);
    expect(seconds).toBeLessThan(99 * 1.05);
  });
});
