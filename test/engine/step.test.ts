import { describe, expect, it } from "vitest";
import { CancelledError, throwIfCancelled } from "../../src/engine/cancel.ts";
import { change, defineStep, failure, nothing } from "../../src/engine/step.ts";

describe("the plan helpers", () => {
  it("nothing: ok with its summary, details only when given", () => {
    expect(nothing("in place")).toStrictEqual({ status: "ok", summary: "in place" });
    expect(nothing("in place", ["a"])).toStrictEqual({ status: "ok", summary: "in place", details: ["a"] });
  });

  it("failure: failed with its remediation", () => {
    expect(failure("closed", "open it")).toStrictEqual({
      status: "failed",
      summary: "closed",
      remediation: "open it",
    });
  });

  it("change: one change with the plan's summary, a `run` named `change` unless told otherwise", async () => {
    const apply = async () => undefined;
    expect(change("restart", apply)).toStrictEqual({
      summary: "restart",
      changes: [{ id: "change", action: "run", summary: "restart", apply }],
    });
    expect(change("create it", apply, { id: "x/y", action: "create", reason: "missing" })).toStrictEqual({
      summary: "create it",
      changes: [{ id: "x/y", action: "create", summary: "create it", apply, reason: "missing" }],
    });
  });

  it("defineStep: plans from what it observed, and keeps verify only when there is one", async () => {
    const verify = async () => {};
    const step = defineStep("s", {
      observe: async (ctx: number) => ctx * 2,
      plan: (observed, ctx) => nothing(`${ctx} -> ${observed}`),
      verify,
    });
    expect(step.id).toBe("s");
    expect(step.verify).toBe(verify);
    await expect(step.plan(21, new AbortController().signal)).resolves.toMatchObject({ summary: "21 -> 42" });
    const bare = defineStep("b", { observe: async () => 0, plan: () => nothing("x") });
    expect(Object.keys(bare)).toEqual(["id", "plan"]);
  });
});

describe("cancellation", () => {
  it.each<[string, unknown, string]>([
    ["a signal name", "SIGTERM", "cancelled at role (SIGTERM)"],
    ["an error", new Error("x"), "cancelled at role"],
    ["no reason", undefined, "cancelled at role"],
  ])("CancelledError with %s names the step", (_name, reason, message) => {
    const error = new CancelledError("role", reason);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CancelledError");
    expect(error.step).toBe("role");
    expect(error.message).toBe(message);
  });

  it("throwIfCancelled throws only once the signal has fired", () => {
    expect(() => throwIfCancelled(undefined, "a")).not.toThrow();
    const controller = new AbortController();
    expect(() => throwIfCancelled(controller.signal, "a")).not.toThrow();
    controller.abort("SIGINT");
    expect(() => throwIfCancelled(controller.signal, "a")).toThrow(CancelledError);
    expect(() => throwIfCancelled(controller.signal, "a")).toThrow(/^cancelled at a \(SIGINT\)$/);
  });
});
