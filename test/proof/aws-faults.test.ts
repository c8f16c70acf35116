// Every AWS operation the agent sends (read from the adapters, so a new call is a new row) times every fault:
// throttling, HTTP 500, a reset connection and latency beyond --aws-timeout, each once (the SDK's retries must
// absorb it) and past the retries (exit 1 with one line naming the call), and AccessDenied; plus the
// eventual-consistency answers AWS gives to the operations they apply to (field notes §8.1, §8.2). Each case runs
// in the cheapest command that sends the operation (fault-scenarios.ts, fault-case.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterOperations } from "../support/aws-operations.ts";
import { EVENTUAL, eventualCase } from "./eventual.ts";
import { applies, FAULTS, type FaultOutcome, faultCase } from "./fault-case.ts";
import { type Baseline, baseline, type Prepared, SCENARIOS, type Scenario } from "./fault-scenarios.ts";
import { recordFigures } from "./figures.ts";

const { all: OPERATIONS, unmapped } = adapterOperations();
const cases = OPERATIONS.flatMap((operation) =>
  FAULTS.filter((fault) => applies(operation, fault)).map((fault) => ({ operation, fault })),
);
const eventual = OPERATIONS.filter((operation) => operation in EVENTUAL);

const prepared = new Map<Scenario, Prepared>();
const baselines = new Map<Scenario, Baseline>();
const outcomes = new Map<string, FaultOutcome>();

beforeAll(async () => {
  await Promise.all(
    SCENARIOS.map(async (scenario) => {
      prepared.set(scenario, await scenario.prepare());
    }),
  );
  await Promise.all(
    SCENARIOS.map(async (scenario) => {
      baselines.set(scenario, await baseline(scenario, prepared.get(scenario) as Prepared));
    }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([...prepared.values()].map((world) => world.stop()));
  const clean = [...outcomes.values()].filter((outcome) => outcome.problems.length === 0).length;
  const everyOperation = SCENARIOS.filter((scenario) => scenario.everyOperation !== undefined).reduce(
    (sum, scenario) => sum + (baselines.get(scenario)?.calls.size ?? 0),
    0,
  );
  recordFigures({
    suite: "aws-faults",
    figures: { fault_cases: cases.length + eventual.length + everyOperation, fault_clean: clean },
    failures: [...outcomes]
      .filter(([, outcome]) => outcome.problems.length > 0)
      .map(([name, outcome]) => `${name}: ${outcome.problems.join("; ")}`),
    notes: [...outcomes].flatMap(([name, outcome]) =>
      (outcome.notes ?? []).map((note) => `${name}: ${note}`),
    ),
  });
});

/** The first (cheapest) scenario whose command sends `operation`. */
function scenarioFor(operation: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => baselines.get(scenario)?.calls.has(operation));
}

describe("the operations", () => {
  it("are read from the adapters, and each is sent by one of the scenarios", () => {
    expect(unmapped).toEqual([]);
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(20);
    const unsent = OPERATIONS.filter((operation) => scenarioFor(operation) === undefined);
    expect(unsent, "add a scenario to fault-scenarios.ts whose command sends these").toEqual([]);
  });
});

describe.concurrent("AWS faults", () => {
  it.each(cases)("$operation, $fault", async ({ operation, fault }) => {
    const scenario = scenarioFor(operation);
    if (scenario === undefined) throw new Error(`no scenario sends ${operation}`);
    const outcome = await faultCase(
      scenario,
      prepared.get(scenario) as Prepared,
      baselines.get(scenario) as Baseline,
      operation,
      fault,
    );
    outcomes.set(`${operation} ${fault} (${scenario.id})`, outcome);
    expect(outcome.problems, `${outcome.run?.stdout ?? ""}\n${outcome.run?.stderr ?? ""}`).toEqual([]);
  });

  for (const scenario of SCENARIOS) {
    const fault = scenario.everyOperation;
    if (fault === undefined) continue;
    it(`${scenario.id}: every operation it sends, ${fault}`, async () => {
      const sent = [...(baselines.get(scenario)?.calls ?? [])].sort();
      expect(sent.length).toBeGreaterThan(0);
      const found = await Promise.all(
        sent.map(async (operation) => {
          const outcome = await faultCase(
            scenario,
            prepared.get(scenario) as Prepared,
            baselines.get(scenario) as Baseline,
            operation,
            fault,
          );
          outcomes.set(`${operation} ${fault} (${scenario.id})`, outcome);
          return outcome.problems.map((problem) => `${operation}: ${problem}`);
        }),
      );
      expect(found.flat()).toEqual([]);
    }, 60_000);
  }

  it.each(eventual)("%s, the eventual-consistency answer", async (operation) => {
    const outcome = await eventualCase(operation);
    outcomes.set(`${operation} eventual consistency`, outcome);
    expect(outcome.problems, `${outcome.run?.stdout ?? ""}\n${outcome.run?.stderr ?? ""}`).toEqual([]);
  });
});
