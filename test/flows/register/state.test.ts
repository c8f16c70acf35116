import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTER_PHASES } from "../../../src/flows/register/register.ts";
import { startWorld, type World } from "./harness.ts";
import { modeOf } from "./inspect.ts";

const STATE = "/var/lib/ecs-anywhere-agent/state.json";
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.stop());

const readState = () => JSON.parse(world.host.readFile(STATE));
// The journal is written BY the state phase, so it lists every phase before it.
const JOURNALED = REGISTER_PHASES.filter((phase) => phase !== "state");

describe("the state file register leaves", () => {
  let first: ReturnType<typeof readState>;
  let report: { containerInstanceArn: string; managedInstanceId: string };

  it("records a failed run's journal, with the failing phase last", async () => {
    const failed = await world.register([], { FAKE_INSTALL_EXIT: "1" });
    expect(failed.code).toBe(1);
    const state = readState();
    expect(state.containerInstanceArn).toBeUndefined();
    expect(state.journal.map((entry: { step: string }) => entry.step)).toEqual(
      REGISTER_PHASES.slice(0, REGISTER_PHASES.indexOf("run-script") + 1),
    );
    expect(state.journal.at(-1)).toMatchObject({ step: "run-script", status: "failed" });
    expect(state.journal.at(-1).detail).toMatch(/exit code 1/);
  });

  it("is mode 0600 and holds cluster, region, ARN, mi- id, timestamps and the phase journal", async () => {
    const run = await world.register(["--output", "json"]);
    expect(run.code).toBe(0);
    report = JSON.parse(run.stdout);
    expect(modeOf(world.host.path(STATE))).toBe("0600");
    expect(modeOf(world.host.path("/var/lib/ecs-anywhere-agent"))).toBe("0700");
    first = readState();
    expect(first).toMatchObject({
      version: 1,
      cluster: "edge",
      region: "eu-west-1",
      containerInstanceArn: report.containerInstanceArn,
      managedInstanceId: report.managedInstanceId,
    });
    expect(first.managedInstanceId).toMatch(/^mi-[0-9a-f]{17}$/);
    expect(first.registeredAt).toMatch(ISO);
    expect(first.updatedAt).toMatch(ISO);
    // The failed run's entries, then this run's: every phase once, in order, each timestamped.
    const latest = first.journal.slice(-JOURNALED.length);
    expect(latest.map((entry: { step: string }) => entry.step)).toEqual(JOURNALED);
    for (const entry of latest) {
      expect(entry.status).toMatch(/^(ok|changed|skipped)$/);
      expect(entry.at).toMatch(ISO);
    }
    expect(latest.find((e: { step: string }) => e.step === "run-script").status).toBe("changed");
    expect(first.journal.length).toBe(REGISTER_PHASES.indexOf("run-script") + 1 + JOURNALED.length);
  });

  it("keeps registeredAt on a re-run and appends to the journal", async () => {
    const run = await world.register();
    expect(run.code).toBe(0);
    const again = readState();
    expect(again.registeredAt).toBe(first.registeredAt);
    expect(again.containerInstanceArn).toBe(report.containerInstanceArn);
    expect(Date.parse(again.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt));
    expect(again.journal.length).toBe(first.journal.length + JOURNALED.length);
    expect(modeOf(world.host.path(STATE))).toBe("0600");
  });
});

describe("a malformed state file", () => {
  it("is a warning, not a trap: a journal of the wrong type does not fail a re-run of a joined host", async () => {
    const good = readState();
    world.host.writeFile(STATE, `${JSON.stringify({ ...good, cluster: 7, journal: 42 })}\n`, 0o600);
    const run = await world.register(["--output", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^WARNING: .*state\.json: ignored what could not be read \(cluster is not a string; journal is not a list\)/m,
    );
    const report = JSON.parse(run.stdout);
    expect(report.warnings.join("\n")).toContain("journal is not a list");
    const repaired = readState();
    expect(repaired.cluster).toBe("edge");
    expect(repaired.journal.map((entry: { step: string }) => entry.step)).toEqual(JOURNALED);
    // The damaged file is kept beside it, not silently lost.
    const backups = readdirSync(world.host.path("/var/lib/ecs-anywhere-agent")).filter((name) =>
      name.startsWith("state.json.bak."),
    );
    expect(backups).toHaveLength(1);
  });
});
