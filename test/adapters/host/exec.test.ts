import { writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CommandStartError, type OutputStream, run } from "../../../src/adapters/host/exec.ts";
import { Redactor } from "../../../src/util/redact.ts";

const SECRET = "Act1vati0nCode-S3cret-000111";

/** Alive means running: a zombie waiting to be reaped has already been killed. */
async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/**
 * What `probe` gives once it gives something, or undefined after `ms`. Polls on setImmediate, so it works while
 * setTimeout is faked: the timeout tests fire the adapter's timer only once the script is where the test needs it,
 * however long a loaded machine takes to start bash.
 */
async function poll<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Whether `pid` has ended within 5 s. A signal is delivered when the kernel next schedules its target, so a process
 * of the killed group can still be running for a moment after the command's result is in, most of all a grandchild
 * that holds none of the command's pipes.
 */
async function ends(pid: number): Promise<boolean> {
  return (await poll(async () => ((await isAlive(pid)) ? undefined : true), 5_000)) ?? false;
}

/** The text `file` holds once the script has written it whole (a line); throws after 10 s. */
async function whenWritten(file: string): Promise<string> {
  const text = await poll(async () => {
    const text = await readFile(file, "utf8").catch(() => "");
    return text.endsWith("\n") ? text : undefined;
  }, 10_000);
  if (text === undefined) throw new Error(`${file} was not written within 10 s`);
  return text;
}

/** The signals a process ignores, from /proc/PID/status (SigIgn, a hex mask: bit N-1 is signal N). */
async function ignoresSignal(pid: number, signal: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const mask = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0"}`);
  return (mask & (1n << BigInt(signal - 1))) !== 0n;
}

// Captured output goes through node:child_process, streamed lines through execa: every behaviour holds for both.
const WAYS = [
  ["captured", {}],
  ["streamed", { onLine: () => {} }],
] as const;

describe.each(WAYS)("run, output %s", (_way, way) => {
  let redactor: Redactor;
  let dir: string;

  beforeEach(async () => {
    redactor = new Redactor();
    redactor.add(SECRET);
    dir = await mkdtemp(path.join(tmpdir(), "exec-test-"));
  });
  afterEach(async () => {
    // A test that failed before its command ended: fire the adapter's timeout and grace, or its group outlives it.
    if (vi.isFakeTimers()) vi.runAllTimers();
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });
  // Only setTimeout/clearTimeout, which the adapter's timeout and grace use; the helpers above poll on setImmediate
  // and the children's I/O is real.
  const fakeTimers = () => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });

  it("returns a failing command's exit code and output as data instead of throwing", async () => {
    const result = await run("bash", ["-c", "echo out; echo err >&2; exit 3"], {
      timeoutMs: 5_000,
      redactor,
      ...way,
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n", timedOut: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("never lets a secret argument appear in the command, output or streamed lines", async () => {
    const lines: string[] = [];
    const result = await run(
      "bash",
      [
        "-c",
        'echo "registering with $2"; echo "bad code $2" >&2; exit 1',
        "register",
        "--activation-code",
        SECRET,
      ],
      { timeoutMs: 5_000, redactor, onLine: (_stream, line) => lines.push(line) },
    );
    expect(JSON.stringify({ result, lines })).not.toContain(SECRET);
    expect(result.command).toContain("--activation-code ****");
    expect(result.stdout).toBe("registering with ****\n");
    expect(lines).toContain("bad code ****");
  });

  it("throws a scrubbed error naming the command when it cannot be started", async () => {
    const failure = await run("/nonexistent/amazon-ssm-agent", ["-register", "-code", SECRET], {
      timeoutMs: 5_000,
      redactor,
      ...way,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CommandStartError);
    expect((failure as CommandStartError).code).toBe("ENOENT");
    expect((failure as Error).message).toContain("/nonexistent/amazon-ssm-agent");
    expect(
      `${(failure as Error).message} ${(failure as Error).stack} ${JSON.stringify(failure)}`,
    ).not.toContain(SECRET);
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    fakeTimers();
    const pidfile = path.join(dir, "pid");
    const running = run("bash", ["-c", `sleep 30 & echo $! > ${pidfile}; wait`], {
      timeoutMs: 300,
      killGraceMs: 300,
      redactor,
      ...way,
    });
    const grandchild = Number(await whenWritten(pidfile));
    expect(vi.getTimerCount()).toBe(1); // the adapter's timeout is set: advancing the clock fires it
    expect(grandchild).toBeGreaterThan(0);
    expect(await isAlive(grandchild)).toBe(true);
    vi.advanceTimersByTime(299);
    expect(await isAlive(grandchild)).toBe(true);
    vi.advanceTimersByTime(1);
    const result = await running;
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGTERM");
    expect(result.exitCode).toBe(143);
    expect(await ends(grandchild)).toBe(true);
  });

  it("kills a grandchild that no longer shares the command's output pipes", async () => {
    fakeTimers();
    const pidfile = path.join(dir, "pid");
    const script = `sleep 30 >/dev/null 2>&1 & echo $! > ${pidfile}; wait`;
    const running = run("bash", ["-c", script], { timeoutMs: 300, killGraceMs: 300, redactor, ...way });
    const grandchild = Number(await whenWritten(pidfile));
    expect(vi.getTimerCount()).toBe(1); // the adapter's timeout is set: advancing the clock fires it
    vi.advanceTimersByTime(300);
    expect((await running).timedOut).toBe(true);
    expect(await ends(grandchild)).toBe(true);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    fakeTimers();
    const pidfile = path.join(dir, "pid");
    const running = run("bash", ["-c", `trap "" TERM; sleep 30 & echo "$$ $!" > ${pidfile}; wait`], {
      timeoutMs: 200,
      killGraceMs: 200,
      redactor,
      ...way,
    });
    const [leader, grandchild] = (await whenWritten(pidfile)).trim().split(" ").map(Number) as [
      number,
      number,
    ];
    expect(vi.getTimerCount()).toBe(1); // the adapter's timeout is set: advancing the clock fires it
    for (const pid of [leader, grandchild])
      expect(await ignoresSignal(pid, constants.signals.SIGTERM)).toBe(true);
    vi.advanceTimersByTime(200); // SIGTERM, which the whole group ignores
    expect(await isAlive(leader)).toBe(true);
    expect(await isAlive(grandchild)).toBe(true);
    vi.advanceTimersByTime(200); // the grace is over: SIGKILL
    const result = await running;
    expect(result).toMatchObject({ timedOut: true, signal: "SIGKILL", exitCode: 137 });
    expect(await ends(grandchild)).toBe(true);
  });

  it("streams each line as it arrives, in order per stream, and keeps the output byte-exact", async () => {
    const seen: Array<[OutputStream, string]> = [];
    // The script prints a line only once the callback has had the one before (the callback creates seen-N): each
    // line is handed over while the command still runs, in the order printed, stdout and stderr alike.
    const script =
      'seen() { until [ -e "$DIR/seen-$1" ]; do sleep 0.01; done; }; ' +
      "echo one; seen 1; echo two >&2; seen 2; echo three; seen 3; printf four";
    const result = await run("bash", ["-c", script], {
      timeoutMs: 10_000,
      redactor,
      env: { DIR: dir },
      onLine: (stream, line) => {
        seen.push([stream, line]);
        writeFileSync(path.join(dir, `seen-${seen.length}`), "");
      },
    });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(seen).toEqual([
      ["stdout", "one"],
      ["stderr", "two"],
      ["stdout", "three"],
      ["stdout", "four"],
    ]);
    expect(result.stdout).toBe("one\nthree\nfour");
  });

  it("passes input, environment and working directory to the command", async () => {
    const result = await run("bash", ["-c", 'read -r line; echo "$line $GREETING $(pwd)"'], {
      timeoutMs: 5_000,
      redactor,
      input: "hello\n",
      env: { GREETING: "world" },
      cwd: dir,
      ...way,
    });
    expect(result.stdout).toBe(`hello world ${dir}\n`);
  });

  it("gives the child exactly env with replaceEnv, else the agent's environment plus env", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a template
    const script = 'echo "${HOME:-none} ${GREETING:-none}"';
    const replaced = await run("/bin/bash", ["-c", script], {
      timeoutMs: 5_000,
      redactor,
      env: { GREETING: "hi", PATH: "/usr/bin:/bin" },
      replaceEnv: true,
      ...way,
    });
    expect(replaced.stdout).toBe("none hi\n");
    const extended = await run("bash", ["-c", script], {
      timeoutMs: 5_000,
      redactor,
      env: { GREETING: "hi" },
      ...way,
    });
    expect(extended.stdout).toBe(`${process.env.HOME ?? "none"} hi\n`);
  });

  // Neither the timeout nor the SIGKILL after the grace can end these runs within a test's time: only what
  // cancelling does at once.
  const uncapped = { timeoutMs: 60_000, killGraceMs: 60_000 };

  it("cancels on the signal: the group gets SIGTERM, the result says cancelled", async () => {
    const pidfile = path.join(dir, "pid");
    const abort = new AbortController();
    // The grandchild holds the command's output pipes: the run ends only once SIGTERM has reached it too.
    const running = run("bash", ["-c", `sleep 30 & echo $! > ${pidfile}; wait`], {
      ...uncapped,
      redactor,
      signal: abort.signal,
      ...way,
    });
    const grandchild = Number(await whenWritten(pidfile));
    abort.abort();
    const result = await running;
    expect(result).toMatchObject({ cancelled: true, timedOut: false, signal: "SIGTERM", exitCode: 143 });
    expect(await ends(grandchild)).toBe(true);
  });

  it("kills what of a cancelled group ignores SIGTERM as soon as the command itself has ended", async () => {
    const pidfile = path.join(dir, "pid");
    const abort = new AbortController();
    // The subshell writes its pid once it ignores SIGTERM, then becomes the sleep (which keeps ignoring it).
    const script = `( trap "" TERM; echo $BASHPID > ${pidfile}; exec sleep 30 ) >/dev/null 2>&1 & wait`;
    const running = run("bash", ["-c", script], { ...uncapped, redactor, signal: abort.signal, ...way });
    const grandchild = Number(await whenWritten(pidfile));
    expect(await ignoresSignal(grandchild, constants.signals.SIGTERM)).toBe(true);
    abort.abort();
    expect(await running).toMatchObject({ cancelled: true, signal: "SIGTERM" });
    expect(await ends(grandchild)).toBe(true);
  });
});
