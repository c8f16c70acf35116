import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DaemonWorld,
  makeRegistered,
  type RunningDaemon,
  startDaemon,
  startDaemonWorld,
} from "../daemon/harness.ts";
import { CLI_CASES, FIXED_CASES, HTTP_CASES, type HttpCase } from "./bad-inputs.cases.ts";
import {
  type Corpus,
  changedPaths,
  expectAnswer,
  expectNothingWritten,
  Plant,
  startCorpus,
  treeOf,
} from "./corpus.ts";
import { recordFigures } from "./figures.ts";

// The bad-input corpus (bad-inputs.cases.ts) run row by row. A row is clean when every promise holds: its exit
// code, the one line naming the problem, no stack trace, nothing written, no mutating AWS call, no install
// script run; for the daemon, its answer and a /livez of 200 right after. The count of clean rows is a figure.
let clean = 0;
afterAll(() => {
  const total = CLI_CASES.length + FIXED_CASES.length + HTTP_CASES.length;
  recordFigures({
    suite: "bad-inputs",
    figures: { bad_inputs: total, bad_inputs_clean: clean },
    failures: clean === total ? [] : [`${total - clean} rows not clean`],
  });
});

describe("bad input to the CLI: refused in one line, nothing written", () => {
  let corpus: Corpus;
  beforeAll(async () => {
    corpus = await startCorpus();
  });
  afterAll(() => corpus?.stop());

  for (const row of CLI_CASES) {
    it(`${row.area}: ${row.name}`, async () => {
      const plant = new Plant(corpus);
      const untouched = corpus.snapshot();
      try {
        await row.arrange?.(plant, corpus);
        const before = corpus.snapshot();
        const scriptRuns = corpus.world.scriptRuns();
        corpus.world.emu.clearCalls();
        const result = await row.run(corpus);
        expectAnswer(row, result);
        expectNothingWritten(row, before, corpus.snapshot());
        row.after?.(corpus);
        expect(corpus.world.emu.mutatingCalls()).toEqual([]);
        if (row.exit === 2 && !row.asksAws) expect(corpus.world.emu.calls()).toEqual([]);
        expect(corpus.world.scriptRuns()).toBe(scriptRuns);
        clean++;
      } finally {
        plant.undo();
        corpus.removeCreated(untouched);
      }
    });
  }
});

describe("hostile input the agent repairs and reports (each on a fresh host)", () => {
  for (const row of FIXED_CASES) {
    it(`${row.area}: ${row.name}`, async () => {
      const corpus = await startCorpus({ activation: false });
      const plant = new Plant(corpus);
      try {
        await row.arrange?.(plant, corpus);
        const result = await row.run(corpus);
        expectAnswer(row, result);
        row.after?.(corpus);
        clean++;
      } finally {
        plant.undo();
        await corpus.stop();
      }
    });
  }
});

describe("bad requests to a running daemon: answered, and it keeps serving", () => {
  let world: DaemonWorld;
  let daemon: RunningDaemon;
  let tokenDir: string;
  const token = "corpus-token-0123456789";
  beforeAll(async () => {
    world = await startDaemonWorld();
    makeRegistered(world.host, new Date());
    tokenDir = mkdtempSync(join(tmpdir(), "corpus-token-"));
    writeFileSync(join(tokenDir, "token"), `${token}\n`, { mode: 0o600 });
    daemon = await startDaemon(
      world,
      `region: eu-west-1\ncluster: edge\nhealth:\n  repair: false\n  tokenFile: ${join(tokenDir, "token")}\n`,
    );
  });
  afterAll(async () => {
    daemon?.stop();
    await daemon?.exit;
    await world?.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  const hostTree = () =>
    Object.fromEntries(
      Object.entries(treeOf(world.host.root)).filter(([path]) => !/^\.fake\/[^/]+\.log$/.test(path)),
    );

  for (const row of HTTP_CASES) {
    it(`${row.area}: ${row.name}`, async () => {
      const before = hostTree();
      const answers = await Promise.all(
        Array.from({ length: row.connections ?? 1 }, () => send(daemon.url, row.request(token))),
      );
      try {
        expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => row.answer));
        // Still serving, with the bad connection(s) possibly still open.
        expect((await fetch(`${daemon.url}/livez`)).status).toBe(200);
      } finally {
        for (const answer of answers) answer.socket.destroy();
      }
      expect(changedPaths(before, hostTree())).toEqual([]);
      expect(daemon.logs().filter((entry) => /failed|error/.test(String(entry.msg)))).toEqual([]);
      clean++;
    });
  }

  it("is still the same daemon, serving, after every row", async () => {
    expect((await fetch(`${daemon.url}/livez`)).status).toBe(200);
    const status = await fetch(`${daemon.url}/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(statSync(join(tokenDir, "token")).mode & 0o777).toBe(0o600);
  });
});

/** How the daemon answered raw bytes: the status of the first answer, or why there was none. */
interface RawAnswer {
  status: HttpCase["answer"];
  socket: Socket;
}

/** Sends raw bytes and waits for the status line (or the close; "held" when neither comes within 1 s). */
function send(url: string, data: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    const done = (status: RawAnswer["status"]) => {
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      resolve({ status, socket });
    };
    const timer = setTimeout(() => done("held"), 1_000);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const line = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (line) done(Number(line[1]));
    });
    socket.on("close", () => done("closed"));
    socket.on("error", () => {});
    socket.write(data);
  });
}
