import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../flows/register/harness.ts";
import {
  type Command,
  type CrashOutcome,
  crashRow,
  type KillSignal,
  prepareTemplate,
  referenceEndState,
  requireBundle,
  stepsOf,
} from "./crash-world.ts";
import type { EndState } from "./end-state.ts";
import { recordFigures } from "./figures.ts";

const SIGNALS: readonly KillSignal[] = ["SIGKILL", "SIGTERM"];

/**
 * Every step of `command` times SIGKILL and SIGTERM, one world per row, rows run concurrently. SIGKILL needs a
 * real process (the built bundle). SIGTERM is the CLI's abort signal, which bin.ts fires on SIGTERM
 * (test/flows/register/cancel.test.ts covers that wiring with a real process): fired in-process it costs no
 * process start, which keeps the matrix fast. The suite's figures (rows driven, rows converged) are recorded for the
 * bench (figures.ts).
 */
export function defineCrashSuite(command: Command): void {
  const rows = stepsOf(command).flatMap((step) => SIGNALS.map((signal) => ({ step, signal })));
  const outcomes = new Map<string, CrashOutcome>();
  let template: World;
  let expected: EndState;
  let ran: string[];

  beforeAll(async () => {
    requireBundle();
    template = await prepareTemplate(command);
    ({ end: expected, steps: ran } = await referenceEndState(command, template));
  }, 60_000);
  afterAll(async () => {
    await template?.stop();
    const converged = [...outcomes.values()].filter((outcome) => outcome.problems.length === 0).length;
    const failures = [...outcomes]
      .filter(([, outcome]) => outcome.problems.length > 0)
      .map(([row, outcome]) => `${row}: ${outcome.problems.join("; ")}`);
    recordFigures({
      suite: `crash-${command}`,
      figures: { crash_points: rows.length, crash_converged: converged },
      failures,
    });
  });

  describe.concurrent(`${command} stalled inside each of its steps, then signalled`, () => {
    it("has a row for every step an uninterrupted run reports, in its order", () => {
      expect(stepsOf(command)).toEqual(ran);
    });

    it.each(rows)(
      "$signal in $step: the re-run converges",
      async ({ step, signal }) => {
        const outcome = await crashRow(command, template, step, signal, expected);
        outcomes.set(`${step} ${signal}`, outcome);
        expect(
          outcome.problems,
          `killed run:\n${outcome.killed ?? ""}\nre-run:\n${outcome.rerun ?? ""}`,
        ).toEqual([]);
      },
      60_000,
    );
  });
}
