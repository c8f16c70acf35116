import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createNotifier,
  NOTIFY_TIMEOUT_MS,
  STATUS_MAX_CHARS,
  statusLine,
  watchdogInterval,
} from "../../src/daemon/notify.ts";
import { createLogger } from "../../src/util/logger.ts";
import { Redactor } from "../../src/util/redact.ts";

// The real binary (Debian package systemd) and python3 for the socket reader; CI installs both (.ci/run).
const haveBinary = spawnSync("systemd-notify", ["--version"]).status === 0;
const havePython = spawnSync("python3", ["-c", "0"]).status === 0;
const skipReal = !(haveBinary && havePython) && !process.env.CI;
if (skipReal) {
  console.warn(
    "notify.test: systemd-notify or python3 is missing, the delivery tests are skipped (never in CI)",
  );
}

/**
 * Node cannot bind an AF_UNIX datagram socket, so a tiny python3 process plays systemd's side: it binds the
 * path, prints each datagram as one JSON line, and exits when its stdin closes (the test ends, or dies). A plain
 * recv() drops the pipe systemd-notify attaches to its BARRIER=1 message, which is how systemd answers it.
 */
const READER = `
import json, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": sys.argv[1]}), flush=True)
while True:
    readable, _, _ = select.select([s, sys.stdin], [], [])
    if sys.stdin in readable and sys.stdin.buffer.read1(4096) == b"":
        break
    if s in readable:
        print(json.dumps({"datagram": s.recv(65536).decode("utf-8", "replace")}), flush=True)
`;

interface Reader {
  pid: number;
  /** The next `count` notifications (BARRIER=1 left out), each as its assignments. */
  next(count: number): Promise<Record<string, string>[]>;
  stop(): void;
}

async function startReader(socketPath: string): Promise<Reader> {
  const child: ChildProcessWithoutNullStreams = spawn("python3", ["-c", READER, socketPath]);
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const received: Record<string, string>[] = [];
  let wake: (() => void) | undefined;
  let bound!: () => void;
  const isBound = new Promise<void>((resolve, reject) => {
    bound = resolve;
    child.on("exit", (code) => reject(new Error(`the reader exited (${code}): ${stderr}`)));
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as { bound?: string; datagram?: string };
    if (message.bound !== undefined) bound();
    if (message.datagram === undefined || message.datagram === "BARRIER=1") return;
    received.push(assignments(message.datagram));
    wake?.();
  });
  await isBound;
  return {
    pid: child.pid as number,
    async next(count) {
      while (received.length < count) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      return received.splice(0, count);
    },
    stop() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** "A=1\nB=2" as { A: "1", B: "2" }; a line without "=" would make the test fail (it is not an assignment). */
function assignments(datagram: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of datagram.split("\n")) {
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`not an assignment: ${JSON.stringify(line)}`);
    result[line.slice(0, at)] = line.slice(at + 1);
  }
  return result;
}

function capture() {
  const lines: string[] = [];
  const log = createLogger("debug", new Redactor(), (line) => lines.push(line));
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, entries, at: (level: string) => entries().filter((entry) => entry.level === level) };
}

/** A folder to hold a stand-in `systemd-notify` (or nothing at all, for PATH without the binary). */
function binDir(script?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "notify-bin-"));
  if (script !== undefined) {
    writeFileSync(join(dir, "systemd-notify"), script);
    chmodSync(join(dir, "systemd-notify"), 0o755);
  }
  return dir;
}

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReal)("delivery through the real systemd-notify to a datagram socket", () => {
  let socketPath: string;
  let reader: Reader;
  beforeAll(async () => {
    socketPath = join(tempDir("notify-socket-"), "notify");
    reader = await startReader(socketPath);
  });
  afterAll(() => reader?.stop());

  /** The package spawns with the process environment: the test's NOTIFY_SOCKET must be there too. */
  const notifierEnv = () => {
    vi.stubEnv("NOTIFY_SOCKET", socketPath);
    return { ...process.env };
  };

  it("sends READY=1 with STATUS=, then STATUS=, WATCHDOG=1 and STOPPING=1, each with MAINPID", async () => {
    const { log, entries } = capture();
    const notifier = createNotifier(notifierEnv(), log);
    expect(notifier.enabled).toBe(true);
    await notifier.ready("registered in edge, 10/10 checks passing");
    await notifier.status("registered in edge, 9/10 checks passing");
    await notifier.watchdog();
    await notifier.stopping();
    const main = String(process.pid);
    expect(await reader.next(4)).toEqual([
      { READY: "1", STATUS: "registered in edge, 10/10 checks passing", MAINPID: main },
      { STATUS: "registered in edge, 9/10 checks passing", MAINPID: main },
      { WATCHDOG: "1", MAINPID: main },
      { STOPPING: "1", MAINPID: main },
    ]);
    expect(entries()).toEqual([]);
  });

  it("names the pid it was given as the main process, not its own", async () => {
    const other = reader.pid; // a live process that is not this one
    const notifier = createNotifier(notifierEnv(), capture().log, other);
    await notifier.ready("starting");
    await notifier.watchdog();
    await notifier.stopping();
    const sent = await reader.next(3);
    expect(sent.map((message) => message.MAINPID)).toEqual([String(other), String(other), String(other)]);
    expect(sent[0]).toMatchObject({ READY: "1", STATUS: "starting" });
  });

  it("skips a STATUS= equal to the last one sent (READY's included)", async () => {
    const notifier = createNotifier(notifierEnv(), capture().log);
    await notifier.ready("a");
    await notifier.status("a");
    await notifier.status("b");
    await notifier.status("b");
    await notifier.status(" a\n");
    await notifier.watchdog(); // a marker: everything before it has arrived
    const sent = await reader.next(4);
    expect(sent.map((message) => message.STATUS ?? (message.WATCHDOG ? "(watchdog)" : "?"))).toEqual([
      "a",
      "b",
      "a",
      "(watchdog)",
    ]);
  });

  it("sends STATUS= as one bounded line: a newline cannot smuggle in another assignment", async () => {
    const notifier = createNotifier(notifierEnv(), capture().log);
    await notifier.status(`probe failed\nREADY=1\r\n\u001b[31mred\u0000${"x".repeat(1_000)}`);
    const [message] = await reader.next(1);
    expect(Object.keys(message ?? {}).sort()).toEqual(["MAINPID", "STATUS"]);
    expect(message?.STATUS).toMatch(/^probe failed READY=1 \[31mred x+…$/);
    expect(Array.from(message?.STATUS ?? "")).toHaveLength(STATUS_MAX_CHARS);
  });

  it("runs calls one at a time, in call order, without awaiting each", async () => {
    const notifier = createNotifier(notifierEnv(), capture().log);
    await Promise.all([
      notifier.ready("one"),
      notifier.watchdog(),
      notifier.status("two"),
      notifier.stopping(),
    ]);
    const sent = await reader.next(4);
    expect(sent.map((message) => Object.keys(message).find((key) => key !== "MAINPID"))).toEqual([
      "READY",
      "WATCHDOG",
      "STATUS",
      "STOPPING",
    ]);
  });

  it("warns once while the socket is missing, says when it works again, and warns again on a new failure", async () => {
    const dir = tempDir("notify-late-");
    const late = join(dir, "notify");
    vi.stubEnv("NOTIFY_SOCKET", late);
    const { log, at } = capture();
    const notifier = createNotifier({ ...process.env }, log);
    await notifier.ready("up");
    await notifier.watchdog();
    await notifier.watchdog();
    expect(at("warn")).toHaveLength(1);
    expect(at("warn")[0]).toMatchObject({ notification: "READY=1", msg: "systemd notification failed" });
    expect(String(at("warn")[0]?.error)).toMatch(/No such file or directory/);
    expect(at("debug")).toHaveLength(2);

    // The socket appears (a link to the reader's), then goes away again.
    symlinkSync(socketPath, late);
    await notifier.watchdog();
    expect(await reader.next(1)).toEqual([{ WATCHDOG: "1", MAINPID: String(process.pid) }]);
    expect(at("info")).toEqual([expect.objectContaining({ msg: "systemd notifications work again" })]);
    rmSync(late);
    await notifier.stopping();
    expect(at("warn")).toHaveLength(2);
    expect(at("warn")[1]).toMatchObject({ notification: "STOPPING=1" });
  });
});

describe("without systemd-notify on PATH", () => {
  it("logs one warning for all failed calls, and every call resolves", async () => {
    const empty = binDir();
    dirs.push(empty);
    vi.stubEnv("PATH", empty); // the package looks the binary up in the process environment
    vi.stubEnv("NOTIFY_SOCKET", "/run/nonexistent-notify-socket");
    const { log, at, entries } = capture();
    const notifier = createNotifier({ ...process.env }, log);
    await expect(notifier.ready("up")).resolves.toBeUndefined();
    await expect(notifier.status("still up")).resolves.toBeUndefined();
    await expect(notifier.watchdog()).resolves.toBeUndefined();
    await expect(notifier.stopping()).resolves.toBeUndefined();
    expect(at("warn")).toHaveLength(1);
    expect(at("warn")[0]).toMatchObject({ notification: "READY=1", error: "spawn systemd-notify ENOENT" });
    expect(at("debug").map((entry) => entry.notification)).toEqual(["STATUS", "WATCHDOG=1", "STOPPING=1"]);
    expect(JSON.stringify(entries())).not.toMatch(/\bat .*:\d+:\d+/);
  });
});

describe("the process spawned, and the environment it gets", () => {
  /** A stand-in binary that records its arguments and environment, one JSON line per run. */
  function recorder() {
    const dir = binDir(
      [
        "#!/bin/sh",
        // NOTIFY_SOCKET, PATH and one variable the agent holds but must not hand on.
        `printf '{"args":"%s","socket":"%s","path":"%s","secret":"%s"}\\n' "$*" "$NOTIFY_SOCKET" "$PATH" "$AWS_SECRET_ACCESS_KEY" >> "$(dirname "$0")/runs"`,
        "",
      ].join("\n"),
    );
    dirs.push(dir);
    const runs = () =>
      existsSync(join(dir, "runs"))
        ? readFileSync(join(dir, "runs"), "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Record<string, string>)
        : [];
    return { dir, runs };
  }

  it("spawns nothing and resolves without NOTIFY_SOCKET", async () => {
    const bin = recorder();
    vi.stubEnv("PATH", `${bin.dir}:/usr/bin:/bin`);
    vi.stubEnv("NOTIFY_SOCKET", undefined);
    const { log, entries } = capture();
    const notifier = createNotifier({ ...process.env, WATCHDOG_USEC: "30000000" }, log);
    expect(notifier.enabled).toBe(false);
    expect(notifier.watchdogIntervalMs).toBeUndefined();
    await notifier.ready("up");
    await notifier.status("up again");
    await notifier.watchdog();
    await notifier.stopping();
    expect(bin.runs()).toEqual([]);
    expect(entries()).toEqual([]);
  });

  it("with NOTIFY_SOCKET the same calls run the binary: the package's with --pid, ours with only PATH and NOTIFY_SOCKET", async () => {
    const bin = recorder();
    vi.stubEnv("PATH", `${bin.dir}:/usr/bin:/bin`);
    vi.stubEnv("NOTIFY_SOCKET", "/run/test-notify");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "agent-secret-0123456789");
    const notifier = createNotifier({ ...process.env }, capture().log, 4242);
    await notifier.ready("up");
    await notifier.status("up again");
    await notifier.watchdog();
    await notifier.stopping();
    const runs = bin.runs();
    expect(runs.map((run) => run.args)).toEqual([
      "--ready --pid=4242 --status=up",
      "--pid=4242 --status=up again",
      "--pid=4242 WATCHDOG=1",
      "--pid=4242 STOPPING=1",
    ]);
    expect(runs.map((run) => run.socket)).toEqual(Array(4).fill("/run/test-notify"));
    expect(runs.map((run) => run.path)).toEqual(Array(4).fill(`${bin.dir}:/usr/bin:/bin`));
    // The package hands the binary the whole process environment (it cannot be told otherwise); ours does not.
    expect(runs.map((run) => run.secret)).toEqual([
      "agent-secret-0123456789",
      "agent-secret-0123456789",
      "",
      "",
    ]);
  });

  it("takes STOPPING=1 lost to systemd's SIGTERM as expected (debug), not WATCHDOG=1 lost the same way", async () => {
    // What `systemctl stop` does to a systemd-notify started while it signals the unit's processes.
    const dir = binDir("#!/bin/sh\nkill -TERM $$\nsleep 5\n");
    dirs.push(dir);
    vi.stubEnv("PATH", `${dir}:/usr/bin:/bin`);
    vi.stubEnv("NOTIFY_SOCKET", "/run/test-notify");
    const { log, at } = capture();
    const notifier = createNotifier({ ...process.env }, log);
    await notifier.stopping();
    expect(at("warn")).toEqual([]);
    expect(at("debug")).toEqual([
      expect.objectContaining({
        notification: "STOPPING=1",
        error: "systemd-notify killed by SIGTERM: (no output)",
      }),
    ]);
    await notifier.watchdog();
    expect(at("warn")).toEqual([
      expect.objectContaining({
        notification: "WATCHDOG=1",
        error: "systemd-notify killed by SIGTERM: (no output)",
      }),
    ]);
  });

  it("warns when the given environment's NOTIFY_SOCKET differs from the process's, which the package uses", () => {
    vi.stubEnv("NOTIFY_SOCKET", "/run/process-socket");
    const { log, at } = capture();
    createNotifier({ ...process.env, NOTIFY_SOCKET: "/run/other-socket" }, log);
    expect(at("warn")).toEqual([expect.objectContaining({ differs: ["NOTIFY_SOCKET"] })]);
    const same = capture();
    createNotifier({ ...process.env }, same.log);
    expect(same.entries()).toEqual([]);
  });
});

describe("a systemd-notify that never returns", () => {
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  /** Each run writes its pid, then sleeps far longer than any test. */
  function hanging() {
    const dir = binDir(`#!/bin/sh\necho $$ >> "$(dirname "$0")/pids"\nexec sleep 60\n`);
    dirs.push(dir);
    vi.stubEnv("PATH", `${dir}:/usr/bin:/bin`);
    vi.stubEnv("NOTIFY_SOCKET", "/run/test-notify");
    /** Resolves with the pid once the stand-in has started (real time: a process is starting). */
    const started = async (count: number) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const text = existsSync(join(dir, "pids")) ? readFileSync(join(dir, "pids"), "utf8") : "";
        const found = text.trim().split("\n").filter(Boolean).map(Number);
        if (found.length >= count) return found[count - 1] as number;
        if (Date.now() > deadline) throw new Error("the stand-in systemd-notify did not start");
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    return { started };
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it(`is killed after ${NOTIFY_TIMEOUT_MS / 1000} s (WATCHDOG=1, our spawn), with one warning`, async () => {
    const { started } = hanging();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { log, at } = capture();
    const notifier = createNotifier({ ...process.env }, log);
    const ping = notifier.watchdog();
    const pid = await started(1);
    pids.push(pid);
    await vi.advanceTimersByTimeAsync(NOTIFY_TIMEOUT_MS - 1);
    expect(alive(pid)).toBe(true);
    expect(at("warn")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await ping;
    expect(at("warn")).toEqual([expect.objectContaining({ notification: "WATCHDOG=1" })]);
    expect(String(at("warn")[0]?.error)).toMatch(
      /systemd-notify (did not finish within 5 s|killed by SIGKILL)/,
    );
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 5_000, interval: 20 });
  });

  it(`gives up on READY=1 (the package's spawn) after ${NOTIFY_TIMEOUT_MS / 1000} s; that child it cannot kill`, async () => {
    const { started } = hanging();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { log, at } = capture();
    const notifier = createNotifier({ ...process.env }, log);
    const ready = notifier.ready("up");
    const pid = await started(1);
    pids.push(pid);
    await vi.advanceTimersByTimeAsync(NOTIFY_TIMEOUT_MS);
    await ready;
    expect(at("warn")).toEqual([
      expect.objectContaining({ notification: "READY=1", error: "systemd-notify did not finish within 5 s" }),
    ]);
    expect(alive(pid)).toBe(true); // the afterEach stops it
  });
});

describe("the watchdog interval", () => {
  const on = { NOTIFY_SOCKET: "/run/test-notify", PATH: "/usr/bin" };

  it.each([
    [{ WATCHDOG_USEC: "30000000" }, 15_000],
    [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "4242" }, 15_000],
    [{ WATCHDOG_USEC: "3000" }, 1],
    [{ WATCHDOG_USEC: "1" }, 1],
    [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "4243" }, undefined],
    [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "04242" }, undefined],
    [{}, undefined],
    [{ WATCHDOG_USEC: "0" }, undefined],
    [{ WATCHDOG_USEC: "" }, undefined],
    [{ WATCHDOG_USEC: "15s" }, undefined],
    [{ WATCHDOG_USEC: "-30000000" }, undefined],
    [{ WATCHDOG_USEC: "99999999999999999999" }, undefined],
  ])("%j gives %s ms", (env, expected) => {
    expect(watchdogInterval(env, 4242)).toBe(expected);
    const notifier = createNotifier({ ...on, ...env }, capture().log, 4242);
    expect(notifier.watchdogIntervalMs).toBe(expected);
  });

  it("warns about a WATCHDOG_USEC that is not a number of microseconds, not about a missing one", () => {
    const bad = capture();
    createNotifier({ ...process.env, ...on, WATCHDOG_USEC: "15s" }, bad.log);
    expect(
      bad
        .at("warn")
        .filter((entry) => "value" in entry)
        .map((entry) => entry.value),
    ).toEqual(["15s"]);
    const none = capture();
    createNotifier({ ...process.env, ...on, WATCHDOG_USEC: undefined }, none.log);
    expect(none.at("warn").filter((entry) => "value" in entry)).toEqual([]);
  });
});

describe("statusLine", () => {
  it.each([
    ["registered in edge, 10/10 checks passing", "registered in edge, 10/10 checks passing"],
    ["  two\nlines  ", "two lines"],
    ["tab\tand\r\nCRLF", "tab and CRLF"],
    ["escape \u001b[31mred\u001b[0m", "escape [31mred [0m"],
    ["nul\u0000c1\u0085ls\u2028ps\u2029end", "nul c1 ls ps end"],
    ["", ""],
  ])("%j -> %j", (input, expected) => {
    expect(statusLine(input)).toBe(expected);
  });

  it(`keeps at most ${STATUS_MAX_CHARS} characters, never splitting a character`, () => {
    expect(statusLine("x".repeat(STATUS_MAX_CHARS))).toBe("x".repeat(STATUS_MAX_CHARS));
    const cut = statusLine(`${"x".repeat(STATUS_MAX_CHARS - 2)}😀😀😀`);
    expect(Array.from(cut)).toHaveLength(STATUS_MAX_CHARS);
    expect(cut).toBe(`${"x".repeat(STATUS_MAX_CHARS - 2)}😀…`);
  });
});
