import { describe, expect, it } from "vitest";
import { DaemonMetrics } from "../../src/daemon/metrics.ts";
import { REPAIR_STEPS } from "../../src/daemon/repair.ts";
import type { DaemonStatus } from "../../src/daemon/status.ts";
import { fakeClock } from "../support/clock.ts";

const status = (ready: boolean): DaemonStatus => ({
  schema: 1,
  version: "1.2.3",
  ready,
  registered: ready,
  summary: "",
  cluster: "edge",
  passes: 1,
  checks: [
    {
      name: "docker",
      status: ready ? "ok" : "failed",
      critical: true,
      message: "",
      observedAt: "",
      durationMs: 1,
    },
  ],
  repairs: [],
});

describe("the daemon's metrics", () => {
  it("renders at most once a second between passes, and afresh after each pass", async () => {
    const clock = fakeClock();
    const metrics = new DaemonMetrics({ version: "1.2.3", controlPlane: false, clock });
    metrics.observe(status(true), { inactiveUnits: [] }, [], clock.now());
    const first = (await metrics.render()).body;
    expect(first).toMatch(/^ecs_anywhere_ready 1$/m);
    metrics.timed("docker", 5); // changes the registry, not the cached text
    expect((await metrics.render()).body).toBe(first);
    clock.advance(1_000);
    expect((await metrics.render()).body).not.toBe(first);
    metrics.observe(status(false), { inactiveUnits: [] }, [], clock.now());
    expect((await metrics.render()).body).toMatch(/^ecs_anywhere_ready 0$/m);
  });

  it("has every repair series at 0 from the start, and no skew or expiry series before they are measured", async () => {
    const clock = fakeClock();
    const metrics = new DaemonMetrics({ version: "1.2.3", controlPlane: false, clock });
    const text = (await metrics.render()).body;
    // Every repair action with each result (ok, failed, skipped).
    expect(text.match(/^ecs_anywhere_repairs_total\{.*\} 0$/gm)).toHaveLength(REPAIR_STEPS.length * 3);
    expect(text).not.toContain("ecs_anywhere_clock_skew_seconds");
    expect(text).not.toContain("ecs_anywhere_credentials_expiry_timestamp_seconds");
    expect(text).not.toContain("ecs_anywhere_agent_connected");
    expect(text).toMatch(/^ecs_anywhere_build_info\{version="1\.2\.3",node_version="v\d+\.\d+\.\d+"\} 1$/m);
    metrics.observe(
      status(true),
      { inactiveUnits: [], clockSkewSeconds: -3, credentialsExpireAt: new Date(5_000) },
      [],
      clock.now(),
    );
    const after = (await metrics.render()).body;
    expect(after).toMatch(/^ecs_anywhere_clock_skew_seconds -3$/m);
    expect(after).toMatch(/^ecs_anywhere_credentials_expiry_timestamp_seconds 5$/m);
  });
});
