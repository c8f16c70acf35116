import { describe, expect, it } from "vitest";
import { FLEET_RATES, fleetMinimumMs, simulateFleet } from "./fleet.ts";

// The fleet rollout of the README's "Fleet rollout" section at a small count: 50 hosts at once, one single-use
// activation each (`activation create --count`), against one emulator with rate limits of IAM 20/s, SSM 10/s and
// ECS 50/s (each bucket one second deep) and IAM propagation delay on. `npm run bench` runs 1,000.
// Real time: the buckets refill in real time (see fleet.ts). The assertions are ratios to minimums derived from
// the same rates, never absolute timings.
const HOSTS = 50;

describe("a fleet registering at once (one single-use activation per host)", () => {
  it("every host registers, within 1.2x the minimum AWS calls and 1.5x the rate-limited minimum time (p95)", async () => {
    const fleet = await simulateFleet({ hosts: HOSTS, strategy: "per-host", rates: FLEET_RATES });
    expect(fleet.failures).toEqual([]);
    expect(fleet.successRatio).toBe(1);
    expect(fleet.callsVsMin).toBeLessThanOrEqual(1.2);
    expect(fleet.p95VsMin).toBeLessThanOrEqual(1.5);
    // No host can beat the rate limits: the 48th activation exists 3.8 s after propagation at the earliest.
    expect(fleet.p95VsMin).toBeGreaterThan(0.9);
    // The minimum time is the rate limits' own: propagation, then 40 activations beyond SSM's burst of 10 at 10/s.
    expect(fleet.minTimeMs).toBe(fleetMinimumMs(HOSTS, "per-host", FLEET_RATES, fleet.propagationLeftMs));
    expect(fleet.minTimeMs).toBeGreaterThanOrEqual(4000);
    // The hosts started while the instance role was still propagating.
    expect(fleet.propagationLeftMs).toBeGreaterThan(0);
    // Each host used its own activation, once; none is left that could register another host.
    expect(fleet.endState).toEqual({
      activations: HOSTS,
      usedUp: HOSTS,
      managedInstances: HOSTS,
      activeContainerInstances: HOSTS,
    });
    // The refusals it took were SSM's (the batch finding SSM's rate) and IAM propagation, and few.
    expect(fleet.byService.ssm?.throttled ?? 0).toBeGreaterThan(0);
    expect(fleet.byService.ecs?.throttled ?? 0).toBe(0);
  }, 60_000);

  it("the minimum AWS calls are what the same rollout makes when no call is refused", async () => {
    const fleet = await simulateFleet({
      hosts: HOSTS,
      strategy: "per-host",
      rates: undefined,
      propagationDelayMs: 0,
    });
    expect(fleet.successRatio).toBe(1);
    expect(fleet.calls).toBe(fleet.minCalls);
    expect(fleet.setup.calls).toBe(fleet.setup.minCalls);
    // setup's own, then one CreateActivation and one DescribeContainerInstances per host.
    expect(fleet.minCalls).toBe(fleet.setup.minCalls + 2 * HOSTS);
    expect(fleet.byService.ssm).toEqual({ total: HOSTS, throttled: 0, otherErrors: 0 });
  }, 60_000);
});
