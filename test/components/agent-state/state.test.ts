import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFs } from "../../../src/adapters/host/fs.ts";
import { AGENT_STATE } from "../../../src/components/agent-state/paths.ts";
import { appendJournal, readState, writeState } from "../../../src/components/agent-state/state.ts";
import { fakeClock } from "../../support/clock.ts";

let root: string;
let fs: HostFs;
let warnings: string[];
const warn = (message: string) => {
  warnings.push(message);
};
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "state-test-"));
  fs = new HostFs(root, fakeClock(new Date("2026-11-25T12:00:00.000Z")));
  await fs.mkdir(AGENT_STATE.dir, 0o700);
  warnings = [];
});
afterEach(() => rm(root, { recursive: true, force: true }));

const put = (content: unknown) =>
  writeFile(fs.resolve(AGENT_STATE.state), typeof content === "string" ? content : JSON.stringify(content));
const entry = { step: "preflight", status: "ok", at: "2026-11-25T11:00:00.000Z", detail: "all passed" };

describe("reading a malformed state file", () => {
  it("ignores a journal of the wrong type, keeps the readable fields and warns once", async () => {
    await put({ version: 1, cluster: "edge", region: "eu-west-1", updatedAt: "x", journal: 42 });
    const state = await readState(fs, warn);
    expect(state).toMatchObject({ cluster: "edge", region: "eu-west-1", journal: [] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(fs.resolve(AGENT_STATE.state));
    expect(warnings[0]).toContain("journal is not a list");
  });

  it("drops fields of the wrong type and malformed journal entries, naming them", async () => {
    await put({
      cluster: 7,
      containerInstanceArn: ["arn"],
      region: "eu-west-1",
      journal: [entry, "junk", { ...entry, status: "exploded" }, { ...entry, at: 5 }, null],
    });
    const state = await readState(fs, warn);
    expect(state?.cluster).toBeUndefined();
    expect(state?.containerInstanceArn).toBeUndefined();
    expect(state?.region).toBe("eu-west-1");
    expect(state?.journal).toEqual([entry]);
    expect(warnings[0]).toMatch(
      /cluster is not a string; containerInstanceArn is not a string; 4 malformed journal entries/,
    );
  });

  it.each([
    ["not JSON", "{ torn", "it is not valid JSON"],
    ["a JSON list", "[1, 2]", "it is not a JSON object"],
  ])("reads a file that is %s as absent, with a warning", async (_, content, problem) => {
    await put(content);
    expect(await readState(fs, warn)).toBeUndefined();
    expect(warnings[0]).toContain(problem);
  });

  it("does not block on a FIFO put in its place: read as absent, with a warning", {
    timeout: 5_000,
  }, async () => {
    execFileSync("mkfifo", [fs.resolve(AGENT_STATE.state)]);
    expect(await readState(fs, warn)).toBeUndefined();
    expect(warnings[0]).toContain("it is not valid JSON");
  });

  it("does not warn about a sound file", async () => {
    await put({ version: 1, cluster: "edge", updatedAt: "2026-11-25T11:00:00.000Z", journal: [entry] });
    expect(await readState(fs, warn)).toMatchObject({ cluster: "edge", journal: [entry] });
    expect(warnings).toEqual([]);
  });
});

describe("writing over a malformed state file", () => {
  const files = async () => (await readdir(fs.resolve(AGENT_STATE.dir))).sort();

  it("keeps the unreadable content as a .bak file, then writes a sound one", async () => {
    await put("{ torn");
    await appendJournal(fs, fakeClock(), [entry as never]);
    expect(await files()).toEqual(["state.json", "state.json.bak.20261125T120000.000Z"]);
    expect(await readFile(fs.resolve(`${AGENT_STATE.state}.bak.20261125T120000.000Z`), "utf8")).toBe(
      "{ torn",
    );
    expect((await readState(fs, warn))?.journal).toEqual([entry]);
    expect(warnings).toEqual([]);
  });

  it("keeps no .bak when the file was sound", async () => {
    await put({ version: 1, updatedAt: "x", journal: [entry] });
    await writeState(fs, { version: 1, updatedAt: "y", journal: [] });
    expect(await files()).toEqual(["state.json"]);
  });
});
