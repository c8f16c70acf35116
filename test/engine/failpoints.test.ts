import { describe, expect, it } from "vitest";
import { failpointsOf, stepStall } from "../../src/engine/failpoints.ts";
import { runSteps } from "../../src/engine/run.ts";
import { type Change, nothing, type Step } from "../../src/engine/step.ts";
import { Redactor } from "../../src/util/redact.ts";
import { fakeClock } from "../support/clock.ts";

/** A step with two changes that record themselves in `applied`. */
function twoChanges(id: string, applied: string[]): Step<unknown> {
  const write = (name: string): Change => ({
    id: name,
    action: "create",
    summary: `write ${name}`,
    apply: async () => {
      applied.push(name);
    },
  });
  return {
    id,
    plan: async () => ({ summary: `two changes in ${id}`, changes: [write(`${id}/a`), write(`${id}/b`)] }),
  };
}

/** Runs `steps` with `failpoints`; `stalled` resolves at the failpoint's warning (the run then waits for `signal`). */
function run(steps: Step<unknown>[], failpoints: ReadonlySet<string>, signal: AbortSignal) {
  const warnings: unknown[] = [];
  let reached: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const log = {
    warn: (fields: unknown, message: string) => {
      warnings.push({ fields, message });
      reached();
    },
    info: () => {},
    debug: () => {},
    child: () => log,
  };
  const report = runSteps(steps, undefined, {
    dryRun: false,
    signal,
    clock: fakeClock(),
    redactor: new Redactor(),
    onFailure: "stop",
    failpoints,
    log: log as never,
  });
  return { report, stalled, warnings };
}

describe("the step-stall failpoint", () => {
  it("is read from ECS_ANYWHERE_FAILPOINTS, by spaces or commas", () => {
    expect([...failpointsOf({ ECS_ANYWHERE_FAILPOINTS: "step-stall:a, probe-loop-stall" })]).toEqual([
      "step-stall:a",
      "probe-loop-stall",
    ]);
    expect(failpointsOf({}).size).toBe(0);
  });

  it("stalls inside the step after its first change, says so, and ends as a cancellation", async () => {
    const applied: string[] = [];
    const cancel = new AbortController();
    const { report, stalled, warnings } = run(
      [twoChanges("one", applied), twoChanges("two", applied)],
      new Set([stepStall("one")]),
      cancel.signal,
    );
    await stalled;
    // Stalled: the first change applied, not the second, and no later step.
    expect(applied).toEqual(["one/a"]);
    expect(warnings).toEqual([
      {
        fields: { failpoint: "step-stall:one" },
        message: "failpoint: the run stalls here until it is cancelled",
      },
    ]);
    cancel.abort("SIGTERM");
    const done = await report;
    expect(done.cancelled).toBe(true);
    expect(done.steps.map((step) => [step.id, step.status])).toEqual([["one", "cancelled"]]);
    expect(done.notRun).toEqual(["two"]);
    expect(applied).toEqual(["one/a"]);
  });

  it("stalls after the plan of a step with nothing to apply, and leaves the other steps alone", async () => {
    const applied: string[] = [];
    const cancel = new AbortController();
    const idle: Step<unknown> = { id: "idle", plan: async () => nothing("in place") };
    const { report, stalled, warnings } = run(
      [twoChanges("first", applied), idle],
      new Set([stepStall("idle")]),
      cancel.signal,
    );
    await stalled;
    expect(applied).toEqual(["first/a", "first/b"]);
    expect(warnings).toHaveLength(1);
    cancel.abort("SIGTERM");
    expect((await report).steps.map((step) => step.status)).toEqual(["changed", "cancelled"]);
  });

  it("does nothing when not named", async () => {
    const applied: string[] = [];
    const { report, warnings } = run([twoChanges("one", applied)], new Set(), new AbortController().signal);
    expect((await report).ok).toBe(true);
    expect(applied).toEqual(["one/a", "one/b"]);
    expect(warnings).toEqual([]);
  });
});
