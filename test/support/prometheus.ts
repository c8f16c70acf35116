import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { parse, stringify } from "yaml";

/**
 * A real Prometheus server (the `prometheus` binary, Debian package `prometheus`) on a free loopback port, with its
 * own configuration and storage in a temp folder. Its scrape job is the one deploy/prometheus/scrape.yml ships, with
 * the given targets in place of the example ones and a short interval, so a passing scrape also vouches for that job.
 */

export const SCRAPE_CONFIG = fileURLToPath(new URL("../../deploy/prometheus/scrape.yml", import.meta.url));
export const SCRAPE_JOB = "ecs-anywhere-agent";

export interface PrometheusOptions {
  /** host:port of each endpoint to scrape. */
  targets: string[];
  /** Scrape (and rule evaluation) interval; 1 s unless given. */
  scrapeIntervalS?: number;
  /** Sent as `Authorization: Bearer …` (from a file only Prometheus reads). */
  bearerToken?: string;
}

/** One element of an instant vector, as the HTTP API answers it: `value` is [unix seconds, "number"]. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
export type InstantVector = Sample[];

/** One active target, as /api/v1/targets answers it. */
export interface ScrapeTarget {
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  labels: Record<string, string>;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Evaluates an instant query now; an error, or a result that is not an instant vector, throws. */
  query(expr: string): Promise<InstantVector>;
  /** Repeats the query until `predicate` accepts its result; throws after `timeoutMs` with what it saw. */
  waitFor(
    expr: string,
    predicate: (vector: InstantVector) => boolean,
    timeoutMs: number,
  ): Promise<InstantVector>;
  targets(): Promise<ScrapeTarget[]>;
  /** SIGTERM, SIGKILL after a grace period, then the temp folder goes. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;
const STDERR_LINES = 30;

/** Why the Prometheus tests cannot run here, or undefined when they can. CI installs the package (.ci/run). */
export function prometheusUnavailable(): string | undefined {
  if (process.env.CI) return undefined;
  for (const tool of ["prometheus", "promtool"]) {
    if (spawnSync(tool, ["--version"]).error !== undefined) {
      return `${tool} is not installed (Debian package prometheus); CI runs this test`;
    }
  }
  return undefined;
}

/**
 * Servers not stopped yet. A test that forgets one, or fails before stopping it, must not leave it running: every
 * server still here is stopped when the test file ends (registered on the file that imports this module, as vitest
 * loads it while collecting that file). If the test process dies without hooks, the kernel ends the server too
 * (parent-death signal, when setpriv is there).
 */
const liveServers = new Set<RunningPrometheus>();
if (process.env.VITEST) afterAll(() => Promise.all([...liveServers].map((server) => server.stop())));

const SETPRIV = spawnSync("setpriv", ["--version"]).error === undefined;

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), "test-prometheus-"));
  try {
    const configFile = await writeConfig(dir, options);
    // A free port can be taken between finding it and binding it: try another one then.
    for (let attempt = 1; ; attempt++) {
      const started = await launch(dir, configFile, await freePort());
      if (started.ok) return started.server;
      if (!started.portTaken || attempt === 3) throw new Error(started.message);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function writeConfig(dir: string, options: PrometheusOptions): Promise<string> {
  const shipped = parse(await readFile(SCRAPE_CONFIG, "utf8")) as {
    scrape_configs: Record<string, unknown>[];
  };
  const shippedJob = shipped.scrape_configs.find((job) => job.job_name === SCRAPE_JOB);
  if (shippedJob === undefined) throw new Error(`${SCRAPE_CONFIG} has no ${SCRAPE_JOB} job`);
  // The example's targets (and its token file, if someone uncommented it) give way to the test's own.
  const { file_sd_configs: _targets, static_configs: _hosts, authorization: _token, ...job } = shippedJob;
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const tokenFile = path.join(dir, "bearer-token");
  if (options.bearerToken !== undefined) {
    await writeFile(tokenFile, options.bearerToken, { mode: 0o600 });
  }
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: [
      {
        ...job,
        scrape_interval: interval,
        scrape_timeout: interval,
        static_configs: [{ targets: options.targets }],
        ...(options.bearerToken === undefined
          ? {}
          : { authorization: { type: "Bearer", credentials_file: tokenFile } }),
      },
    ],
  };
  const file = path.join(dir, "prometheus.yml");
  await writeFile(file, stringify(config));
  return file;
}

type Launch = { ok: true; server: RunningPrometheus } | { ok: false; portTaken: boolean; message: string };

async function launch(dir: string, configFile: string, port: number): Promise<Launch> {
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ];
  const [command, commandArgs] = SETPRIV
    ? ["setpriv", ["--pdeathsig", "SIGKILL", "--", "prometheus", ...args]]
    : ["prometheus", args];
  const child = spawn(command, commandArgs, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr = tail(child);
  const exited = new Promise<undefined>((resolve) => child.once("exit", () => resolve(undefined)));
  const startError = new Promise<Error>((resolve) => child.once("error", resolve));
  const url = `http://127.0.0.1:${port}`;
  const server = serverApi(url, child, exited, dir, stderr);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([
      ready(url).then((isReady) => (isReady ? "ready" : "wait")),
      exited.then(() => "exited" as const),
      startError,
    ]);
    if (outcome === "ready") {
      liveServers.add(server);
      return { ok: true, server };
    }
    if (outcome instanceof Error) {
      return { ok: false, portTaken: false, message: `prometheus could not start: ${outcome.message}` };
    }
    if (outcome === "exited" || Date.now() > deadline) {
      await stopChild(child, exited);
      const log = stderr();
      const what =
        outcome === "exited" ? `exited (${child.exitCode ?? child.signalCode})` : "was not ready in time";
      return {
        ok: false,
        portTaken: /address already in use/.test(log),
        message: `prometheus on ${url} ${what}; its stderr ends with:\n${log}`,
      };
    }
    await delay(POLL_MS);
  }
}

function serverApi(
  url: string,
  child: ChildProcess,
  exited: Promise<undefined>,
  dir: string,
  stderr: () => string,
): RunningPrometheus {
  let stopping: Promise<void> | undefined;
  const api = async <T>(pathAndQuery: string): Promise<T> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`prometheus on ${url} has exited; its stderr ends with:\n${stderr()}`);
    }
    const response = await fetch(`${url}${pathAndQuery}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success")
      throw new Error(`prometheus ${pathAndQuery}: ${body.error ?? response.status}`);
    return body.data;
  };
  const server: RunningPrometheus = {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: unknown }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== "vector")
        throw new Error(`${expr} gives a ${data.resultType}, not an instant vector`);
      return data.result as InstantVector;
    },
    async waitFor(expr, predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const vector = await server.query(expr);
        if (predicate(vector)) return vector;
        if (Date.now() > deadline) {
          const targets = (await server.targets()).map(
            (t) => `${t.scrapeUrl} ${t.health}${t.lastError ? ` (${t.lastError})` : ""}`,
          );
          throw new Error(
            [
              `prometheus: ${expr} did not give the expected result within ${timeoutMs} ms`,
              `last result: ${JSON.stringify(vector)}`,
              `targets: ${targets.join("; ") || "none"}`,
              `stderr ends with:\n${stderr()}`,
            ].join("\n"),
          );
        }
        await delay(POLL_MS);
      }
    },
    async targets() {
      const data = await api<{ activeTargets: ScrapeTarget[] }>("/api/v1/targets?state=active");
      return data.activeTargets.map(({ scrapeUrl, health, lastError, labels }) => ({
        scrapeUrl,
        health,
        lastError,
        labels,
      }));
    },
    stop() {
      stopping ??= (async () => {
        await stopChild(child, exited);
        liveServers.delete(server);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return server;
}

async function stopChild(child: ChildProcess, exited: Promise<undefined>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** /-/ready answers 200 once Prometheus serves queries (503 while it starts; nothing before it listens). */
async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`);
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** The last lines the child wrote to stderr, kept as they arrive. */
function tail(child: ChildProcess): () => string {
  let lines: string[] = [];
  let partial = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines = [...lines, ...parts].slice(-STDERR_LINES);
  });
  return () => [...lines, partial].filter((line) => line !== "").join("\n") || "(nothing)";
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  probe.close();
  await once(probe, "close");
  if (address === null || typeof address === "string") throw new Error("no port for prometheus");
  return address.port;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
