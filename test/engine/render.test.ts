import { describe, expect, it } from "vitest";
import { flatChanges, renderSteps, renderStop } from "../../src/engine/render.ts";
import type { StepResult } from "../../src/engine/run.ts";

const at = { startedAt: "2026-12-01T00:00:00.000Z", durationMs: 1 };
const step = (fields: Partial<StepResult> & Pick<StepResult, "id" | "status" | "summary">): StepResult => ({
  ...at,
  ...fields,
});

describe("the one renderer", () => {
  it.each([
    ["ok", "OK"],
    ["changed", "CHANGED"],
    ["planned", "PLAN"],
    ["skipped", "SKIP"],
    ["warn", "WARN"],
    ["failed", "FAIL"],
    ["cancelled", "CANCELLED"],
  ] as const)("marks %s as %s", (status, mark) => {
    expect(renderSteps([step({ id: "s", status, summary: "x" })])).toEqual([`${mark} s: x`]);
  });

  it("shows changes with their symbol and reason, and details under the step", () => {
    const lines = renderSteps([
      step({
        id: "role",
        status: "planned",
        summary: "3 change(s)",
        details: ["a detail"],
        changes: [
          { id: "a", action: "create", summary: "create A", reason: "missing" },
          { id: "b", action: "update", summary: "update B" },
          { id: "c", action: "delete", summary: "delete C" },
          { id: "d", action: "run", summary: "run D", details: ["with flags"] },
        ],
      }),
    ]);
    expect(lines).toEqual([
      "PLAN role: 3 change(s)",
      "    + create A",
      "        why: missing",
      "    ~ update B",
      "    - delete C",
      "    > run D",
      "        with flags",
      "    a detail",
    ]);
  });

  it("leaves out a single change that says no more than the step's own line", () => {
    const lines = renderSteps([
      step({
        id: "stop",
        status: "changed",
        summary: "stopped ecs",
        changes: [{ id: "x", action: "run", summary: "stop ecs" }],
      }),
    ]);
    expect(lines).toEqual(["CHANGED stop: stopped ecs"]);
  });

  it.each<[string, StepResult["changes"], string[]]>([
    [
      "several changes without reasons are listed",
      [
        { id: "a", action: "create", summary: "create A" },
        { id: "b", action: "delete", summary: "delete B" },
      ],
      ["    + create A", "    - delete B"],
    ],
    [
      "one change with a reason is listed",
      [{ id: "a", action: "update", summary: "update A", reason: "drift" }],
      ["    ~ update A", "        why: drift"],
    ],
    [
      "one change with details is listed",
      [{ id: "a", action: "run", summary: "run A", details: ["--x"] }],
      ["    > run A", "        --x"],
    ],
    ["one bare change is not", [{ id: "a", action: "run", summary: "run A" }], []],
    ["no changes", undefined, []],
  ])("%s", (_name, changes, lines) => {
    const rendered = renderSteps([
      step({ id: "s", status: "planned", summary: "x", ...(changes ? { changes } : {}) }),
    ]);
    expect(rendered).toEqual(["PLAN s: x", ...lines]);
  });

  it("prints a fix line under a failure, a warning or a skip with a remediation, never under ok", () => {
    const fix = { remediation: "do this" };
    expect(renderSteps([step({ id: "a", status: "failed", summary: "x", ...fix })])).toEqual([
      "FAIL a: x",
      "  fix: do this",
    ]);
    expect(renderSteps([step({ id: "a", status: "warn", summary: "x", ...fix })])).toContain(
      "  fix: do this",
    );
    expect(renderSteps([step({ id: "a", status: "skipped", summary: "x", ...fix })])).toContain(
      "  fix: do this",
    );
    expect(renderSteps([step({ id: "a", status: "ok", summary: "x", ...fix })])).toEqual(["OK a: x"]);
    expect(renderSteps([step({ id: "a", status: "failed", summary: "x" })])).toEqual(["FAIL a: x"]);
  });

  it("says where a run stopped and what it applied before", () => {
    expect(renderStop([step({ id: "a", status: "ok", summary: "" })])).toBeUndefined();
    expect(
      renderStop([
        step({ id: "a", status: "changed", summary: "" }),
        step({ id: "b", status: "changed", summary: "" }),
        step({ id: "c", status: "failed", summary: "" }),
      ]),
    ).toBe("failed at c; applied before it: a, b");
    expect(renderStop([step({ id: "c", status: "cancelled", summary: "" })])).toBe(
      "cancelled at c; applied before it: nothing",
    );
  });

  it("flattens changes with their step; only a changed step's real changes count as applied", () => {
    const changes = flatChanges([
      step({
        id: "role",
        status: "changed",
        summary: "",
        changes: [
          { id: "a", action: "create", summary: "A" },
          { id: "n", action: "none", summary: "N" },
        ],
      }),
      step({
        id: "plan",
        status: "planned",
        summary: "",
        changes: [{ id: "p", action: "create", summary: "P" }],
      }),
    ]);
    expect(flatChanges([step({ id: "none", status: "ok", summary: "" })])).toEqual([]);
    expect(changes.map((c) => [c.step, c.id, c.applied])).toEqual([
      ["role", "a", true],
      ["role", "n", false],
      ["plan", "p", false],
    ]);
  });
});
