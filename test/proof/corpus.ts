import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname, join, relative } from "node:path";
import { expect } from "vitest";
import { type SuppliedActivation, startWorld, type World } from "../flows/register/harness.ts";
import { type CliResult, cli } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";

/** Every run of a row ends by then: a row that would hang (a blocking read, a daemon that starts) is cancelled. */
const RUN_DEADLINE_MS = 20_000;

/** The areas of the corpus, as the issue lists them. */
export type Area =
  | "config file"
  | "flags and environment"
  | "existing ecs.config"
  | "state and lock"
  | "activation and code files"
  | "introspection answer"
  | "SSM registration and credentials"
  | "hostile folders"
  | "daemon HTTP request";

/** One bad input given to the CLI, and what a careful operator should get back. */
export interface CliCase {
  /** The bad input, as the test name says it. */
  name: string;
  area: Area;
  /** Puts the input in place (host files under ROOT, operator files, the agent's answers); undone afterwards. */
  arrange?: (plant: Plant, corpus: Corpus) => void | Promise<void>;
  /** The command run with it. */
  run: (corpus: Corpus) => Promise<CliResult>;
  /** 2: bad input; 1: a host or agent problem the operator must fix, or a failed check; 0: a warning, and on. */
  exit: 0 | 1 | 2;
  /**
   * The line that names what is wrong: `error (input): …` (exit 2), `error: …`, a `WARNING: …` or a failed check
   * (`FAIL name: …`). With --output json: the document's error message.
   */
  says: RegExp;
  /** Text of the input that must never be echoed (a file named by mistake, control characters). */
  hides?: string[];
  /** The row reads from AWS before it refuses (a supplied activation checked in preflight). */
  asksAws?: boolean;
  /** Paths under ROOT (relative) the row may change; anything else changing fails it. Default: none. */
  mayWrite?: RegExp;
  /** What must hold afterwards besides (a redirect not followed; for repaired input, the repair). */
  after?: (corpus: Corpus) => void;
}

/** The world every CLI row runs in: emulator, fake host, signed install script, a live activation, an agent. */
export interface Corpus {
  world: World;
  /** A live activation (`setup`, then `activation create --out`), for rows that need one SSM knows. */
  activation: SuppliedActivation;
  /** A fake ECS agent introspection API whose answers a row scripts (Plant.agentAnswers). */
  agent: ScriptedAgent;
  /** A CLI run without host flags (setup, activation, config validate). */
  cloud(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** With --root and --ecs-agent-url of the fake host. */
  host(args: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** `register` with the world's script server and signing key, then `args`. */
  register(args?: string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  /** ROOT and the operator's folder as they are now (the fakes' own call logs left out). */
  snapshot(): Record<string, string>;
  /** Removes what was created since `before` (a row's declared writes), so the next row starts from the same host. */
  removeCreated(before: Record<string, string>): void;
  stop(): Promise<void>;
}

export async function startCorpus({ activation: live = true } = {}): Promise<Corpus> {
  const world = await startWorld();
  // Without `live`, rows must not use it: its fields are empty.
  const activation = live ? await world.supplyActivation() : { id: "", code: "", file: "" };
  const agent = await startScriptedAgent();
  const deps = () => ({
    clock: fakeClock(new Date()),
    host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 } },
    signal: AbortSignal.timeout(RUN_DEADLINE_MS),
  });
  const cloud = (args: string[], env: Record<string, string | undefined> = {}) =>
    cli(args, { ...world.env, ...env }, deps());
  const host = (args: string[], env: Record<string, string | undefined> = {}) =>
    cloud([...args, "--root", world.host.root, "--ecs-agent-url", world.host.introspectionUrl], env);
  const snapshot = () => ({
    ...withoutFakeLogs(treeOf(world.host.root)),
    ...prefixed("operator:", treeOf(world.scratch)),
  });
  return {
    world,
    activation,
    agent,
    cloud,
    host,
    register: (args = [], env = {}) => host(world.registerArgs(args), env),
    snapshot,
    removeCreated(before) {
      const now = snapshot();
      for (const path of Object.keys(now).filter((entry) => !(entry in before))) {
        const real = path.startsWith("operator:")
          ? join(world.scratch, path.slice("operator:".length))
          : join(world.host.root, path);
        rmSync(real, { recursive: true, force: true });
      }
    },
    async stop() {
      await agent.stop();
      await world.stop();
    },
  };
}

/**
 * Every entry under `root` as "kind mode owner content": equal snapshots mean nothing was created, removed,
 * re-moded, given away or rewritten. Content is hashed up to 1 MiB; a bigger file (the rows' sparse 200 MB
 * ones) is known by size, inode and modification time, which any write changes.
 */
export function treeOf(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const stats = lstatSync(path, { bigint: true });
      const head = `${(Number(stats.mode) & 0o7777).toString(8)} ${stats.uid}`;
      const rel = relative(root, path);
      if (entry.isSymbolicLink()) entries[rel] = `link ${readlinkSync(path)}`;
      else if (entry.isDirectory()) {
        entries[rel] = `dir ${head}`;
        walk(path);
      } else if (entry.isFile() && stats.size <= 1024n * 1024n) {
        entries[rel] = `file ${head} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
      } else if (entry.isFile()) {
        entries[rel] = `file ${head} ${stats.size} ${stats.ino} ${stats.mtimeNs}`;
      } else entries[rel] = `other ${head}`;
    }
  };
  walk(root);
  return entries;
}

/** The fakes' own call logs (systemctl, amazon-ssm-agent, ...) record what was asked, not what the agent wrote. */
function withoutFakeLogs(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([path]) => !/^\.fake\/[^/]+\.log$/.test(path)));
}

function prefixed(prefix: string, tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([path, kind]) => [`${prefix}${path}`, kind]));
}

/** The entries that differ between two snapshots (created, removed, re-moded or rewritten). */
export function changedPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (path) => before[path] !== after[path],
  );
}

/**
 * What a row puts in place, undone after it (in reverse order): whatever was at a path is moved aside and put
 * back, folders created on the way are removed, modes and owners restored, processes killed.
 */
export class Plant {
  readonly #undo: (() => void)[] = [];
  readonly #corpus: Corpus;

  constructor(corpus: Corpus) {
    this.#corpus = corpus;
  }

  /** The real path of a host path ("/etc/ecs/ecs.config" under ROOT). */
  host(hostPath: string): string {
    return this.#corpus.world.host.path(hostPath);
  }

  /** A path in the operator's folder (outside ROOT). */
  operator(name: string): string {
    return join(this.#corpus.world.scratch, name);
  }

  hostFile(hostPath: string, content: string | Buffer, mode = 0o644): string {
    return this.#file(this.#claim(this.host(hostPath)), content, mode);
  }

  operatorFile(name: string, content: string | Buffer, mode = 0o600): string {
    return this.#file(this.#claim(this.operator(name)), content, mode);
  }

  hostFifo(hostPath: string): string {
    return this.#fifo(this.#claim(this.host(hostPath)));
  }

  operatorFifo(name: string): string {
    return this.#fifo(this.#claim(this.operator(name)));
  }

  hostLink(hostPath: string, target: string): string {
    const real = this.#claim(this.host(hostPath));
    symlinkSync(target, real);
    return real;
  }

  operatorLink(name: string, target: string): string {
    const real = this.#claim(this.operator(name));
    symlinkSync(target, real);
    return real;
  }

  hostDir(hostPath: string, mode = 0o755): string {
    const real = this.#claim(this.host(hostPath));
    mkdirSync(real);
    chmodSync(real, mode);
    return real;
  }

  operatorDir(name: string, mode = 0o755): string {
    const real = this.#claim(this.operator(name));
    mkdirSync(real);
    chmodSync(real, mode);
    return real;
  }

  /** A sparse file of `bytes` (200 MB by default) that takes no disk space. */
  hostSparse(hostPath: string, bytes = 200 * 1024 * 1024): string {
    const real = this.hostFile(hostPath, "");
    truncateSync(real, bytes);
    return real;
  }

  operatorSparse(name: string, bytes = 200 * 1024 * 1024): string {
    const real = this.operatorFile(name, "");
    truncateSync(real, bytes);
    return real;
  }

  /** Gives an existing path another owner and mode, both restored afterwards. */
  hostOwner(hostPath: string, uid: number, mode: number): void {
    const real = this.host(hostPath);
    const before = statSync(real);
    chownSync(real, uid, uid);
    chmodSync(real, mode);
    this.#undo.push(() => {
      chownSync(real, before.uid, before.gid);
      chmodSync(real, before.mode & 0o7777);
    });
  }

  /** A live process (not an agent) that a lock file can name; killed afterwards. */
  liveProcess(): number {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    this.#undo.push(() => child.kill("SIGKILL"));
    if (child.pid === undefined) throw new Error("could not start a process");
    return child.pid;
  }

  /** The scripted ECS agent answers with `handler` until the row ends (its open connections are cut then). */
  agentAnswers(handler: AgentHandler): void {
    this.#corpus.agent.answer(handler);
    this.#undo.push(() => this.#corpus.agent.answer(undefined));
  }

  undo(): void {
    for (const step of this.#undo.splice(0).reverse()) step();
  }

  #file(real: string, content: string | Buffer, mode: number): string {
    writeFileSync(real, content);
    chmodSync(real, mode);
    return real;
  }

  #fifo(real: string): string {
    execFileSync("mkfifo", [real]);
    return real;
  }

  /** Makes room at `real`: parents created (removed later), anything there moved aside (put back later). */
  #claim(real: string): string {
    const created: string[] = [];
    for (let dir = dirname(real); !existsSync(dir); dir = dirname(dir)) created.unshift(dir);
    mkdirSync(dirname(real), { recursive: true });
    const aside = `${real}.corpus-aside`;
    const occupied = lstatOrUndefined(real) !== undefined;
    if (occupied) renameSync(real, aside);
    this.#undo.push(() => {
      rmSync(real, { recursive: true, force: true });
      if (occupied) renameSync(aside, real);
      for (const dir of created.reverse()) rmSync(dir, { recursive: true, force: true });
    });
    return real;
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export type AgentHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** An ECS agent introspection API answering as a row tells it (by default: not registered anywhere, 404). */
export interface ScriptedAgent {
  url: string;
  answer(handler: AgentHandler | undefined): void;
  /** Paths requested since the last `answer`. */
  requests(): string[];
  stop(): Promise<void>;
}

async function startScriptedAgent(): Promise<ScriptedAgent> {
  let handler: AgentHandler | undefined;
  let requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer(next) {
      handler = next;
      requests = [];
      for (const socket of sockets) socket.destroy();
    },
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The lines of a run's output that look like a crash rather than a message: a stack frame or an error class. */
export function crashLines(result: CliResult): string[] {
  return `${result.stdout}\n${result.stderr}`
    .split("\n")
    .filter((line) => /^\s+at \S.*:\d+:\d+\)?$/.test(line) || /^(Uncaught )?[A-Z]\w*Error\b/.test(line));
}

/** Asserts what a CLI row promises: its exit code, the one line naming the problem, no crash, no echo. */
export function expectAnswer(row: CliCase, result: CliResult): void {
  const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(crashLines(result), output).toEqual([]);
  expect(result.code, output).toBe(row.exit);
  for (const text of row.hides ?? []) expect(result.stdout + result.stderr, output).not.toContain(text);
  if (result.stdout.startsWith("{")) {
    const document = JSON.parse(result.stdout) as { error?: { kind: string; message: string } };
    if (row.exit === 2) expect(document.error?.kind, output).toBe("input");
    expect(document.error?.message, output).toMatch(row.says);
    return;
  }
  const errors = result.stderr.split("\n").filter((line) => /^error\b/.test(line));
  if (row.exit === 2) {
    expect(result.stdout, output).toBe("");
    expect(errors, output).toHaveLength(1);
    expect(errors[0], output).toMatch(/^error \(input\): /);
  } else if (errors.length > 0) {
    expect(errors, output).toHaveLength(1);
  }
  const lines = `${result.stdout}\n${result.stderr}`.split("\n");
  expect(
    lines.filter((line) => row.says.test(line)),
    `no line matches ${row.says}\n${output}`,
  ).not.toEqual([]);
}

/** ROOT and the operator's folder: unchanged, but for what the row declares it may write. */
export function expectNothingWritten(
  row: CliCase,
  before: Record<string, string>,
  after: Record<string, string>,
): void {
  const changed = changedPaths(before, after).filter((path) => !row.mayWrite?.test(path));
  expect(changed, "written although the input was refused").toEqual([]);
}
