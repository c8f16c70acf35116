// The child process of bench/daemon.ts, bundled and run with `node --expose-gc`: the daemon itself (`daemon` through
// the CLI, as bin.ts runs it) on a clock that skips every wait, so thousands of probe passes take a minute. The host
// is the parent's fake host and emulator, over the real probe code: HTTP to the introspection fake, the Docker
// socket fake, file reads under --root, the AWS SDK. Only `systemctl` runs in this process (the fake's own code,
// test/fixtures/in-process-tools.ts) instead of a bash process per call. The spec comes in BENCH_SOAK_SPEC; the
// child reports on stdout, one JSON message a line (soak-spec.ts).

import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getHeapSpaceStatistics } from "node:v8";
import { run as realRun } from "../src/adapters/host/exec.ts";
import { runCli } from "../src/cli/main.ts";
import { ProbeLoop } from "../src/daemon/loop.ts";
import { processMemory } from "../src/daemon/memory-trim.ts";
import { tuneDaemonRuntime } from "../src/daemon/runtime.ts";
import type { Clock } from "../src/util/clock.ts";
import { dropSdkNodeVersionWarning } from "../src/util/warnings.ts";
import { inProcessTools } from "../test/fixtures/in-process-tools.ts";
import { instanceKey, type MemoryReading, type SoakMessage, type SoakSpec } from "./soak-spec.ts";

dropSdkNodeVersionWarning();
const spec = JSON.parse(process.env.BENCH_SOAK_SPEC ?? "null") as SoakSpec;
const collect = (globalThis as { gc?: () => void }).gc;
if (spec === null || collect === undefined) throw new Error("run by bench/daemon.ts, with node --expose-gc");
const twice = () => {
  collect();
  collect();
};
const trimCollection = processMemory().collect;
if (trimCollection === undefined) throw new Error("this node has no inspector: the daemon cannot trim");
const send = (message: SoakMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

// runDaemon builds its probe loop inside; the bench sees it when it runs its first pass, for its pass count and
// debugSizes(). Nothing else about the pass changes.
let loop: ProbeLoop | undefined;
const pass = ProbeLoop.prototype.pass;
ProbeLoop.prototype.pass = function (this: ProbeLoop, signal: AbortSignal) {
  loop ??= this;
  return pass.call(this, signal);
};

/** What the SSM agent does at half-life: new instance-role credentials and identity (field notes §4.3). */
let rotations = 0;
function rotateCredentials(now: number): void {
  rotations += 1;
  const key = instanceKey(rotations);
  const write = (hostPath: string, text: string, mode: number) => {
    const file = join(spec.root, hostPath);
    writeFileSync(`${file}.tmp`, text, { mode });
    renameSync(`${file}.tmp`, file);
  };
  write(
    "/var/lib/amazon/ssm/runtimeconfig/identity_config.json",
    JSON.stringify({
      InstanceId: spec.managedInstanceId,
      CredentialsRetrievedAt: new Date(now).toISOString(),
      CredentialsExpiresAt: new Date(now + 3_600_000).toISOString(),
    }),
    0o644,
  );
  write(
    "/root/.aws/credentials",
    `[default]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secret}\naws_session_token = ${key.token}\n`,
    0o600,
  );
}

async function reading(
  waitMs: number,
  collection: () => void | Promise<void> = twice,
): Promise<MemoryReading> {
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  await collection();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const heapSpaces = getHeapSpaceStatistics();
  const young = heapSpaces.find((space) => space.space_name === "new_space")?.space_size ?? 0;
  const spaces = Object.fromEntries(heapSpaces.map((space) => [space.space_name, space.space_used_size]));
  return { rss, heapUsed, heapTotal, young, spaces, external };
}

/**
 * Memory at a checkpoint, three times. Right away (after 100 ms, for the sockets of requests that just ended to
 * close), V8's young generation is still as large as the run's allocation rate made it: passes back to back allocate
 * a thousand times faster than the real daemon, which waits `health.interval` between them. Then after an idle wait
 * longer than the 5 s over which V8 judges the allocation rate, as between two real passes: the next gc() finds it
 * low and shrinks the young generation. Last, after the daemon's own trim: where the daemon stands at any moment
 * depends on how long ago it last trimmed (up to 2 MB above that level); the trimmed level does not.
 */
let measuringMs = 0;
async function measure(cycle: number): Promise<void> {
  const from = performance.now();
  send({ event: "measuring", cycle });
  const busy = await reading(100);
  // The lowest of three idle readings: RSS also moves with what the allocator happens to keep at that instant.
  const idles = [await reading(6_000), await reading(500), await reading(500)];
  const idle = idles.reduce((low, next) => (next.rss < low.rss ? next : low));
  const trimmed = await reading(0, trimCollection);
  measuringMs += performance.now() - from;
  send({
    event: "checkpoint",
    cycle,
    busy,
    idle,
    trimmed,
    sizes: { ...loop?.debugSizes(), activeResources: process.getActiveResourcesInfo().length },
    fakeElapsedMs: now - fakeStart,
    realMs: performance.now() - started - measuringMs,
  });
}

const stop = new AbortController();
const started = performance.now();
let now = Date.now();
const fakeStart = now;
let seen = 0;
/** A wait is over at once: the time moves on by it. Each loop wait is one cycle; the bench acts there. */
const clock: Clock = {
  now: () => new Date(now),
  sleep: async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    now += ms;
    const cycle = loop?.status().passes ?? 0;
    if (cycle === seen) return;
    seen = cycle;
    try {
      if (cycle % spec.rotateEvery === 0) rotateCredentials(now);
      if (spec.checkpoints.includes(cycle)) await measure(cycle);
    } catch (error) {
      // Not the daemon's failure: the bench's own. Say so, rather than end the loop as a cancelled wait would.
      process.stderr.write(`bench soak: ${String(error)}\n`);
      process.exit(70);
    }
    if (cycle < spec.cycles) return;
    if (spec.idle) {
      await new Promise((resolve) => {
        process.stdin.once("end", resolve);
        process.stdin.resume();
      });
    }
    stop.abort("SIGTERM");
    throw stop.signal.reason;
  },
};

const tools = inProcessTools(realRun);
let logLines = 0;
const logsByMessage: Record<string, number> = {};
const lastLogs: string[] = [];
// No top-level await: the bundle's chunks are CommonJS (scripts/bundle.mjs).
void runCli(["daemon", "--root", spec.root, "--ecs-agent-url", spec.ecsAgentUrl, "--listen", "127.0.0.1:0"], {
  env: process.env,
  clock,
  signal: stop.signal,
  stdout: () => {},
  stderr: (text) => {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      logLines += 1;
      lastLogs.push(line);
      if (lastLogs.length > 5) lastLogs.shift();
      let entry: { msg?: unknown; listen?: unknown } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        // not JSON: counted under "(text)"
      }
      const msg = typeof entry.msg === "string" ? entry.msg : "(text)";
      logsByMessage[msg] = (logsByMessage[msg] ?? 0) + 1;
      if (msg === "serving") send({ event: "serving", listen: String(entry.listen) });
    }
  },
  host: { system: { uid: () => 0 }, run: tools },
  // As bin.ts runs the daemon: with its V8 flags.
  tuneDaemon: tuneDaemonRuntime,
}).then((exitCode) => {
  send({
    event: "done",
    exitCode,
    cycles: loop?.status().passes ?? 0,
    rotations,
    fallbackExecs: tools.fallbacks(),
    logLines,
    logsByMessage,
    lastLogs,
  });
  process.exit(0);
});
