import { describe, expect, it } from "vitest";
import { type RegisterReport, renderRegisterReport } from "../../../src/flows/register/report.ts";

/** The text report of `register`: one headline per outcome, then the steps, indented. */

const ARN = "arn:aws:ecs:eu-west-1:123456789012:container-instance/edge/0123456789abcdef0123456789abcdef";

function report(outcome: RegisterReport["outcome"], more: Partial<RegisterReport> = {}): RegisterReport {
  return {
    ok: true,
    dryRun: outcome === "planned",
    outcome,
    cluster: "edge",
    region: "eu-west-1",
    containerInstanceArn: ARN,
    steps: [],
    changes: [],
    ...more,
  };
}

describe("renderRegisterReport", () => {
  it.each<[RegisterReport["outcome"], string]>([
    ["registered", `Registered: this host is container instance ${ARN} in cluster edge.`],
    ["already-registered", `Already registered: container instance ${ARN} in cluster edge; nothing to do.`],
    ["moved", `Moved: this host is now container instance ${ARN} in cluster edge.`],
    [
      "installed",
      "Installed, not started (noStart): run `systemctl start ecs` to register this host in cluster edge.",
    ],
  ])("%s", (outcome, headline) => {
    expect(renderRegisterReport(report(outcome))).toBe(headline);
  });

  it("a plan starts with the account (when known) and the region and ends saying nothing was changed", () => {
    expect(renderRegisterReport(report("planned"))).toBe(
      [
        "Plan for account 123456789012, region eu-west-1: register this host in cluster edge.",
        "dry run: nothing was changed",
      ].join("\n"),
    );
    expect(renderRegisterReport(report("planned", { containerInstanceArn: undefined }))).toBe(
      ["Plan for region eu-west-1: register this host in cluster edge.", "dry run: nothing was changed"].join(
        "\n",
      ),
    );
  });

  it("indents the steps under the headline and ends with the managed instance when there is one", () => {
    const text = renderRegisterReport(
      report("registered", {
        managedInstanceId: "mi-0123456789abcdef0",
        steps: [
          { id: "preflight", status: "ok", summary: "all checks passed", startedAt: "", durationMs: 1 },
          {
            id: "verify",
            status: "warn",
            summary: "slow",
            remediation: "wait",
            startedAt: "",
            durationMs: 1,
          },
        ],
      }),
    );
    expect(text.split("\n")).toEqual([
      `Registered: this host is container instance ${ARN} in cluster edge.`,
      "  OK preflight: all checks passed",
      "  WARN verify: slow",
      "    fix: wait",
      "  managed instance: mi-0123456789abcdef0",
    ]);
  });
});
