import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/engine/cancel.ts";
import { pendingChanges, type RunOptions, runSteps, verifyConverged } from "../../src/engine/run.ts";
import { type Applied, type Change, defineStep, type Plan, type Step } from "../../src/engine/step.ts";
import { OperationError } from "../../src/errors.ts";
import { createLogger } from "../../src/util/logger.ts";
import { Redactor } from "../../src/util/redact.ts";
import { fakeClock } from "../support/clock.ts";

/** The runner's corner cases, one behaviour each: what a report says, what it leaves out, and when it stops. */

function options(overrides: Partial<RunOptions> = {}): RunOptions {
  return {
    dryRun: false,
    signal: new AbortController().signal,
    clock: fakeClock(),
    redactor: new Redactor(),
    onFailure: "stop",
    ...overrides,
  };
}

/** A step that plans exactly `plan` (or throws it when it is an error). */
function planned(id: string, plan: Plan | (() => Plan | Promise<Plan>)): Step<unknown> {
  return { id, plan: async () => (typeof plan === "function" ? plan() : plan) };
}

/** A change whose apply runs `effect`. */
function change(
  id: string,
  effect: () => Promise<Applied | undefined> | Applied | undefined = () => undefined,
  more: Partial<Change> = {},
): Change {
  return { id, action: "update", summary: `change ${id}`, apply: async () => effect(), ...more };
}

const ok = (id: string) => planned(id, { summary: `${id} fine` });
const throwing = (id: string, error: unknown) =>
  planned(id, () => {
    throw error;
  });

describe("what a step's result says", () => {
  it("a plan without a status or changes is ok, and carries no empty changes, details or remediation", async () => {
    const report = await runSteps([planned("a", { summary: "in place", details: [] })], undefined, options());
    expect(report.steps[0]).toStrictEqual({
      id: "a",
      status: "ok",
      summary: "in place",
      startedAt: "2026-11-25T12:00:00.000Z",
      durationMs: 0,
    });
  });

  it("keeps a plan's status, details, remediation and notes when there is nothing to apply", async () => {
    const report = await runSteps(
      [
        planned("a", {
          status: "warn",
          summary: "drifting",
          details: ["one", "two"],
          remediation: "look at it",
          notes: [{ id: "a/n", summary: "leave N", reason: "not ours" }],
        }),
      ],
      undefined,
      options(),
    );
    expect(report.steps[0]).toMatchObject({
      status: "warn",
      details: ["one", "two"],
      remediation: "look at it",
      changes: [{ id: "a/n", action: "none", summary: "leave N", reason: "not ours" }],
    });
    expect(report.ok).toBe(true);
  });

  it("shows a change's reason and details only when it has them", async () => {
    const report = await runSteps(
      [
        planned("a", {
          summary: "two changes",
          changes: [
            change("bare"),
            change("full", undefined, { action: "create", reason: "missing", details: ["--flag"] }),
          ],
        }),
      ],
      undefined,
      options({ dryRun: true }),
    );
    expect(report.steps[0]?.changes).toStrictEqual([
      { id: "bare", action: "update", summary: "change bare" },
      { id: "full", action: "create", summary: "change full", reason: "missing", details: ["--flag"] },
    ]);
  });

  it("the `apply` shorthand is one `run` change named after the step, after the listed ones", async () => {
    const applied: string[] = [];
    const plan: Plan = {
      summary: "restart it",
      changes: [change("first", () => void applied.push("first"))],
      apply: async () => void applied.push("shorthand"),
    };
    expect(pendingChanges(plan, "svc").map((c) => [c.id, c.action, c.summary])).toEqual([
      ["first", "update", "change first"],
      ["svc", "run", "restart it"],
    ]);
    expect(pendingChanges({ summary: "x", apply: async () => {} })[0]?.id).toBe("change");
    const report = await runSteps([planned("svc", plan)], undefined, options());
    expect(applied).toEqual(["first", "shorthand"]);
    expect(report.steps[0]?.status).toBe("changed");
  });

  it("times each step with the clock port", async () => {
    const clock = fakeClock();
    const slow = planned("slow", { summary: "s", changes: [change("c", () => void clock.advance(1500))] });
    const report = await runSteps([slow], undefined, options({ clock }));
    expect(report.steps[0]).toMatchObject({ startedAt: "2026-11-25T12:00:00.000Z", durationMs: 1500 });
  });

  it("hands every apply the run's signal", async () => {
    const signal = new AbortController().signal;
    let seen: AbortSignal | undefined;
    const step: Step<unknown> = {
      id: "a",
      plan: async () => ({
        summary: "s",
        apply: async (ctx) => {
          seen = ctx.signal;
        },
      }),
    };
    await runSteps([step], undefined, options({ signal }));
    expect(seen).toBe(signal);
  });
});

describe("what applying reports", () => {
  it.each<[string, (Applied | undefined)[], { status: string; summary: string; details?: string[] }]>([
    [
      "an apply that returns nothing: changed, the plan's words",
      [undefined],
      { status: "changed", summary: "plan", details: ["planned"] },
    ],
    [
      "one change's own summary and details replace the plan's",
      [{ summary: "did it", details: ["new"] }],
      { status: "changed", summary: "did it", details: ["new"] },
    ],
    [
      "several changes: the plan's summary stays and their details add to the plan's",
      [
        { summary: "did one", details: ["first"] },
        { summary: "did two", details: ["second"] },
      ],
      { status: "changed", summary: "plan", details: ["planned", "first", "second"] },
    ],
    [
      "several changes, one already done by someone else: still changed",
      [{ status: "ok" }, undefined],
      { status: "changed", summary: "plan", details: ["planned"] },
    ],
    [
      "every change already done: ok",
      [{ status: "ok" }, { status: "ok", details: ["found"] }],
      { status: "ok", summary: "plan", details: ["planned", "found"] },
    ],
  ])("%s", async (_name, answers, expected) => {
    const plan: Plan = {
      summary: "plan",
      details: ["planned"],
      changes: answers.map((answer, i) => change(`c${i}`, () => answer)),
    };
    const report = await runSteps([planned("a", plan)], undefined, options());
    const { status, summary, details } = report.steps[0] ?? {};
    expect({ status, summary, ...(details ? { details } : {}) }).toEqual(expected);
  });

  it("several changes' details start a step's details when the plan has none", async () => {
    const plan: Plan = {
      summary: "plan",
      changes: [change("one"), change("two", () => ({ details: ["found two"] }))],
    };
    const report = await runSteps([planned("a", plan)], undefined, options());
    expect(report.steps[0]?.details).toEqual(["found two"]);
  });

  it("a failed apply keeps the planned changes in the result and the thrown error in the failure", async () => {
    const error = new Error("disk full");
    const report = await runSteps(
      [
        planned("a", {
          summary: "write",
          changes: [
            change("x", () => {
              throw error;
            }),
          ],
        }),
      ],
      undefined,
      options(),
    );
    expect(report.steps[0]).toStrictEqual({
      id: "a",
      status: "failed",
      summary: "disk full",
      changes: [{ id: "x", action: "update", summary: "change x" }],
      failedChange: "change x",
      startedAt: "2026-11-25T12:00:00.000Z",
      durationMs: 0,
    });
    expect(report.failure).toEqual({ step: "a", error });
    expect(report.failure?.error).toBe(error);
  });

  it("a plan that throws fails without changes; only an operation error's remediation is kept", async () => {
    const plain = await runSteps([throwing("a", new Error("no"))], undefined, options());
    expect(plain.steps[0]).toStrictEqual({
      id: "a",
      status: "failed",
      summary: "no",
      startedAt: "2026-11-25T12:00:00.000Z",
      durationMs: 0,
    });
    const bare = await runSteps([throwing("a", new OperationError("no"))], undefined, options());
    expect(Object.keys(bare.steps[0] ?? {})).not.toContain("remediation");
    const fixable = await runSteps(
      [throwing("a", new OperationError("no", { remediation: "do this" }))],
      undefined,
      options(),
    );
    expect(fixable.steps[0]?.remediation).toBe("do this");
  });
});

describe("when a run stops and what its report says", () => {
  it("a completed run has no failure and is neither cancelled nor failed", async () => {
    const report = await runSteps([ok("a"), ok("b")], undefined, options());
    expect(report).toMatchObject({ ok: true, cancelled: false });
    expect(report.failure).toBeUndefined();
  });

  it("continuing after failures: every step runs, the first failure is the one reported", async () => {
    const first = new Error("first");
    const report = await runSteps(
      [throwing("a", first), ok("b"), throwing("c", new Error("second"))],
      undefined,
      options({ onFailure: "continue" }),
    );
    expect(report.steps.map((s) => s.status)).toEqual(["failed", "ok", "failed"]);
    expect(report.failure?.step).toBe("a");
    expect(report.failure?.error).toBe(first);
    expect(report).toMatchObject({ ok: false, cancelled: false });
  });

  it("calls onStep with each result as its step ends", async () => {
    const seen: string[] = [];
    await runSteps([ok("a"), ok("b")], undefined, options({ onStep: (result) => seen.push(result.id) }));
    expect(seen).toEqual(["a", "b"]);
  });

  it("a step that reports a cancellation ends the run even when the run's signal did not fire", async () => {
    const report = await runSteps(
      [ok("a"), throwing("b", new CancelledError("b", "timed out")), ok("c")],
      undefined,
      options({ onFailure: "continue" }),
    );
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["a", "ok"],
      ["b", "cancelled"],
    ]);
    expect(report).toMatchObject({ ok: false, cancelled: true, failure: { step: "b" } });
    expect(report.failure?.error).toBeInstanceOf(CancelledError);
  });

  it("cancelled before a step starts: the failure names that step and the signal's reason", async () => {
    const controller = new AbortController();
    const stopper = planned("a", {
      summary: "s",
      changes: [change("x", () => void controller.abort("SIGINT"))],
    });
    const report = await runSteps(
      [stopper, ok("b"), ok("c")],
      undefined,
      options({ signal: controller.signal }),
    );
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([["a", "changed"]]);
    expect(report.failure?.step).toBe("b");
    expect(report.failure?.error).toBeInstanceOf(CancelledError);
    expect(report.failure?.error).toMatchObject({ message: "cancelled at b (SIGINT)" });
    expect(report).toMatchObject({ ok: false, cancelled: true });
  });

  it("cancelled during the last step, which still finished: the failure names that step", async () => {
    const controller = new AbortController();
    const last = planned("only", {
      summary: "s",
      changes: [change("x", () => void controller.abort("SIGTERM"))],
    });
    const report = await runSteps([last], undefined, options({ signal: controller.signal }));
    expect(report.steps.map((s) => s.status)).toEqual(["changed"]);
    expect(report).toMatchObject({ ok: false, cancelled: true, failure: { step: "only" } });
    expect(report.failure?.error).toMatchObject({ message: "cancelled at only (SIGTERM)" });
  });

  it("cancelled before anything ran: the failure says it stopped at the start", async () => {
    const controller = new AbortController();
    controller.abort("SIGINT");
    const report = await runSteps([], undefined, options({ signal: controller.signal }));
    expect(report).toMatchObject({ ok: false, cancelled: true, failure: { step: "start" } });
    expect(report.failure?.error).toMatchObject({ message: "cancelled at start (SIGINT)" });
  });

  it("cancelled between two changes of one step: the second is not applied", async () => {
    const controller = new AbortController();
    const applied: string[] = [];
    const step = planned("a", {
      summary: "two",
      changes: [
        change("one", () => {
          applied.push("one");
          controller.abort("SIGTERM");
          return undefined;
        }),
        change("two", () => void applied.push("two")),
      ],
    });
    const report = await runSteps([step], undefined, options({ signal: controller.signal }));
    expect(applied).toEqual(["one"]);
    expect(report.steps[0]).toMatchObject({ status: "cancelled", summary: "cancelled (SIGTERM)" });
  });

  it.each<[string, unknown, string]>([
    ["a signal name", "SIGTERM", "cancelled (SIGTERM)"],
    ["an error", new Error("deadline passed"), "cancelled (deadline passed)"],
    ["anything else", { code: 130 }, "cancelled (aborted)"],
  ])(
    "a cancelled wait that threw %s: the step is cancelled and the failure is a CancelledError",
    async (_name, reason, summary) => {
      const controller = new AbortController();
      const waiting = planned("wait", {
        summary: "s",
        changes: [
          change("x", () => {
            controller.abort(reason);
            // What an aborted wait throws: the signal's reason itself, not a CancelledError.
            throw reason;
          }),
        ],
      });
      const report = await runSteps([waiting, ok("next")], undefined, options({ signal: controller.signal }));
      expect(report.steps.map((s) => [s.id, s.status, s.summary])).toEqual([["wait", "cancelled", summary]]);
      expect(report.failure?.step).toBe("wait");
      expect(report.failure?.error).toBeInstanceOf(CancelledError);
      expect(report.failure?.error).toMatchObject({ step: "wait" });
    },
  );

  it("a cancelled step never carries a remediation, even from an operation error", async () => {
    const controller = new AbortController();
    const step = planned("a", {
      summary: "s",
      changes: [
        change("x", () => {
          controller.abort("SIGTERM");
          throw new OperationError("interrupted", { remediation: "run it again" });
        }),
      ],
    });
    const report = await runSteps([step], undefined, options({ signal: controller.signal }));
    expect(report.steps[0]?.status).toBe("cancelled");
    expect(Object.keys(report.steps[0] ?? {})).not.toContain("remediation");
  });
});

describe("concurrent planning (read-only checks)", () => {
  it("plans every step at once and reports them in order, a failure not stopping the others", async () => {
    const started: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waiting = planned("first", async () => {
      started.push("first");
      await gate;
      return { summary: "first done" };
    });
    const second = planned("second", () => {
      started.push("second");
      release();
      throw new Error("second broke");
    });
    const report = await runSteps([waiting, second, ok("third")], undefined, options({ concurrent: true }));
    expect(started).toEqual(["first", "second"]);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["first", "ok"],
      ["second", "failed"],
      ["third", "ok"],
    ]);
    expect(report.ok).toBe(false);
  });
});

describe("the run's log", () => {
  it("logs each step's observing, each change applied and each result, under the step's id", async () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    const log = createLogger("debug", redactor, (line) => lines.push(line));
    const step = planned("a", {
      summary: "did a",
      changes: [change("a/x", undefined, { action: "create", reason: "missing" })],
    });
    await runSteps([step], undefined, options({ log, redactor }));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: "debug", step: "a", msg: "observing" },
      {
        level: "info",
        step: "a",
        change: "a/x",
        action: "create",
        reason: "missing",
        msg: "applying change",
      },
      { level: "info", step: "a", status: "changed", durationMs: 0, msg: "did a" },
    ]);
  });
});

describe("verifyConverged", () => {
  it("passes when a re-plan finds nothing to do and names what is still pending otherwise", async () => {
    await expect(verifyConverged(ok("a"), undefined, new AbortController().signal)).resolves.toBeUndefined();
    const pending = planned("role", { summary: "s", changes: [change("one"), change("two")] });
    await expect(verifyConverged(pending, undefined, new AbortController().signal)).rejects.toThrow(
      /^role did not converge: change one; change two$/,
    );
  });

  it("is what defineStep hands the runner as the step's verify", async () => {
    let verified = 0;
    const step = defineStep("v", {
      observe: async () => 0,
      plan: () => ({ summary: "s", apply: async () => {} }),
      verify: async () => {
        verified += 1;
      },
    });
    await runSteps([step], undefined, options());
    expect(verified).toBe(1);
    const failing = defineStep("v", {
      observe: async () => 0,
      plan: () => ({ summary: "s", apply: async () => {} }),
      verify: async () => {
        throw new Error("still wrong");
      },
    });
    const report = await runSteps([failing], undefined, options());
    expect(report.steps[0]).toMatchObject({ status: "failed", summary: "still wrong" });
  });
});
