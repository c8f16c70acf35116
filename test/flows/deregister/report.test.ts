import { describe, expect, it } from "vitest";
import type { DeregisterReport } from "../../../src/flows/deregister/deregister.ts";
import { renderDeregisterReport } from "../../../src/flows/deregister/report.ts";

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";
const STEP = {
  id: "ecs-service",
  status: "planned" as const,
  summary: "stop ecs",
  startedAt: "",
  durationMs: 0,
};

function report(dryRun: boolean): DeregisterReport {
  return { ok: true, dryRun, cancelled: false, steps: [{ ...STEP, status: dryRun ? "planned" : "changed" }] };
}

describe("renderDeregisterReport", () => {
  it("a dry run is a plan: account and region first, the steps, then that nothing was changed", () => {
    expect(renderDeregisterReport(report(true), { containerInstanceArn: ARN, region: "eu-west-1" })).toBe(
      [
        "Plan for account 123456789012, region eu-west-1: deregister this host.",
        "  PLAN ecs-service: stop ecs",
        "dry run: nothing was changed",
      ].join("\n"),
    );
    expect(renderDeregisterReport(report(true), { region: "eu-west-1" }).split("\n")[0]).toBe(
      "Plan for region eu-west-1: deregister this host.",
    );
  });

  it("a real run is one line per step, as before", () => {
    expect(renderDeregisterReport(report(false), { containerInstanceArn: ARN, region: "eu-west-1" })).toBe(
      "CHANGED ecs-service: stop ecs",
    );
  });
});
