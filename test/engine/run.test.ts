import { describe, expect, it } from "vitest";
import { CancelledError } from "../../src/engine/cancel.ts";
import { renderSteps, renderStop } from "../../src/engine/render.ts";
import { type RunOptions, runSteps } from "../../src/engine/run.ts";
import { change, defineStep, failure, nothing, type Step } from "../../src/engine/step.ts";
import { OperationError } from "../../src/errors.ts";
import { Redactor } from "../../src/util/redact.ts";
import { fakeClock } from "../support/clock.ts";

const SECRET = "planted-secret-value-0123456789";

function options(overrides: Partial<RunOptions> = {}): RunOptions {
  const redactor = new Redactor();
  redactor.add(SECRET);
  return {
    dryRun: false,
    signal: new AbortController().signal,
    clock: fakeClock(),
    redactor,
    onFailure: "stop",
    ...overrides,
  };
}

/** A step that records what ran; `writes` is the world it changes. */
function writer(id: string, world: string[], more: { fail?: boolean; needed?: boolean } = {}): Step<unknown> {
  return defineStep(id, {
    observe: async () => world.includes(id),
    plan(done) {
      if (done || more.needed === false) return nothing(`${id} is in place`);
      return change(`write ${id}`, async () => {
        if (more.fail) throw new OperationError(`${id} broke (${SECRET})`, { remediation: `fix ${id}` });
        world.push(id);
        return { summary: `wrote ${id}` };
      });
    },
  });
}

describe("runSteps", () => {
  it("applies each step's changes in order and reports changed, then ok on a converged re-run", async () => {
    const world: string[] = [];
    const steps = [writer("a", world), writer("b", world)];
    const first = await runSteps(steps, undefined, options());
    expect(world).toEqual(["a", "b"]);
    expect(first.steps.map((s) => [s.id, s.status, s.summary])).toEqual([
      ["a", "changed", "wrote a"],
      ["b", "changed", "wrote b"],
    ]);
    const again = await runSteps(steps, undefined, options());
    expect(again.steps.map((s) => s.status)).toEqual(["ok", "ok"]);
    expect(again.ok).toBe(true);
  });

  it("in a dry run plans every step and applies nothing", async () => {
    const world: string[] = [];
    const report = await runSteps(
      [writer("a", world), writer("b", world)],
      undefined,
      options({ dryRun: true }),
    );
    expect(world).toEqual([]);
    expect(report.steps.map((s) => [s.status, s.summary])).toEqual([
      ["planned", "write a"],
      ["planned", "write b"],
    ]);
  });

  it("stops at the first failure when asked to, keeping the error and the remediation, secrets masked", async () => {
    const world: string[] = [];
    const report = await runSteps(
      [writer("a", world), writer("b", world, { fail: true }), writer("c", world)],
      undefined,
      options(),
    );
    expect(world).toEqual(["a"]);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["a", "changed"],
      ["b", "failed"],
    ]);
    expect(report.steps[1]).toMatchObject({ summary: "b broke (****)", remediation: "fix b" });
    expect(report.failure?.step).toBe("b");
    expect(report.failure?.error).toBeInstanceOf(OperationError);
    expect(report.ok).toBe(false);
    expect(renderStop(report.steps)).toBe("failed at b; applied before it: a");
  });

  it("names the change that failed and the steps never started", async () => {
    const world: string[] = [];
    const report = await runSteps(
      [writer("a", world), writer("b", world, { fail: true }), writer("c", world), writer("d", world)],
      undefined,
      options(),
    );
    expect(report.steps[1]?.failedChange).toBe("write b");
    expect(report.steps[0]?.failedChange).toBeUndefined();
    expect(report.notRun).toEqual(["c", "d"]);
  });

  it("runs every step after a failure when asked to continue", async () => {
    const world: string[] = [];
    const report = await runSteps(
      [writer("a", world, { fail: true }), writer("b", world)],
      undefined,
      options({ onFailure: "continue" }),
    );
    expect(report.steps.map((s) => s.status)).toEqual(["failed", "changed"]);
    expect(report.ok).toBe(false);
  });

  it("turns a failed plan into a stop with its remediation", async () => {
    const refusing = defineStep("gate", { observe: async () => 0, plan: () => failure("closed", "open it") });
    const report = await runSteps([refusing, writer("b", [])], undefined, options());
    expect(report.steps).toHaveLength(1);
    expect(report.failure?.error).toMatchObject({ message: "closed", remediation: "open it" });
  });

  it("reports skipped steps without planning them", async () => {
    let planned = false;
    const watched = defineStep("watched", {
      observe: async () => {
        planned = true;
        return 0;
      },
      plan: () => nothing("fine"),
    });
    const report = await runSteps([watched], undefined, options({ skip: new Set(["watched"]) }));
    expect(planned).toBe(false);
    expect(report.steps[0]).toMatchObject({ status: "skipped", summary: "skipped (--skip)" });
  });

  it("an apply that finds the work already done reports ok, not changed", async () => {
    const done = defineStep("found", {
      observe: async () => 0,
      plan: () => change("do it", async () => ({ status: "ok", summary: "someone did it already" })),
    });
    const report = await runSteps([done], undefined, options());
    expect(report.steps[0]).toMatchObject({ status: "ok", summary: "someone did it already" });
  });

  it("cancelled during an apply: that step says cancelled, nothing after it runs, the failure names it", async () => {
    const controller = new AbortController();
    const world: string[] = [];
    const hanging = defineStep("hang", {
      observe: async () => 0,
      plan: () =>
        change("wait forever", ({ signal }) => {
          controller.abort("SIGTERM");
          return Promise.reject(new CancelledError("hang", signal.reason));
        }),
    });
    const report = await runSteps([writer("a", world), hanging, writer("c", world)], undefined, {
      ...options(),
      signal: controller.signal,
    });
    expect(world).toEqual(["a"]);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ["a", "changed"],
      ["hang", "cancelled"],
    ]);
    expect(report.cancelled).toBe(true);
    expect(report.failure?.step).toBe("hang");
    expect(renderStop(report.steps)).toBe("cancelled at hang; applied before it: a");
  });

  it("cancelled before a step starts: no further step is planned", async () => {
    const controller = new AbortController();
    controller.abort("SIGINT");
    const report = await runSteps([writer("a", [])], undefined, { ...options(), signal: controller.signal });
    expect(report.steps).toEqual([]);
    expect(report.cancelled).toBe(true);
    expect(report.failure?.error).toBeInstanceOf(CancelledError);
  });

  it("lists notes beside changes and renders one vocabulary", async () => {
    const noted = defineStep("role", {
      observe: async () => 0,
      plan: () => ({
        summary: "1 change(s) to role R",
        changes: [
          { id: "role/x", action: "create", summary: "attach X", reason: "missing", apply: async () => {} },
        ],
        notes: [{ id: "role/y", summary: "keep Y attached", reason: "not ours" }],
      }),
    });
    const report = await runSteps([noted], undefined, options({ dryRun: true }));
    expect(report.steps[0]?.changes?.map((c) => c.action)).toEqual(["create", "none"]);
    expect(renderSteps(report.steps)).toEqual([
      "PLAN role: 1 change(s) to role R",
      "    + attach X",
      "        why: missing",
      "    = keep Y attached",
      "        why: not ours",
    ]);
  });
});
