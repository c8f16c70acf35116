import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/adapters/host/exec.ts";
import { Redactor } from "../../src/util/redact.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VITEST = join(ROOT, "node_modules/vitest/vitest.mjs");
const PROBE_CONFIG = "test/support/leak-probe/vitest.config.ts";
const MARKER_VARIABLE = "ECS_ANYWHERE_LEAK_PROBE";

interface ProcessInfo {
  pid: number;
  args: string;
  /** The process inherited this probe's marker variable: a descendant of the probe run. */
  marked: boolean;
}

/** Every process on the host whose /proc entry can be read (Linux). */
async function processTable(marker: string): Promise<ProcessInfo[]> {
  const table: ProcessInfo[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    const args = cmdline.split("\0").join(" ").trim();
    if (args === "") continue; // gone meanwhile, or a kernel thread
    table.push({
      pid: Number(entry),
      args,
      marked: environ.split("\0").includes(`${MARKER_VARIABLE}=${marker}`),
    });
  }
  return table;
}

/**
 * The probe's leftovers: any process that inherited its marker (whatever it is: a daemon that detached from
 * its parent keeps the environment) or mentions its temp folder, where every gpg home and every Prometheus
 * configuration and storage folder of the run lives.
 * Processes of test files running in parallel have neither, so they never count.
 */
async function leftovers(tempDir: string, marker: string): Promise<ProcessInfo[]> {
  const table = await processTable(marker);
  return table.filter((p) => p.marked || p.args.includes(tempDir));
}

/** Waits briefly for daemons told to stop to finish exiting; returns what is still there. */
async function settledLeftovers(tempDir: string, marker: string): Promise<ProcessInfo[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const left = await leftovers(tempDir, marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("the test helpers that start daemons (gpg, Prometheus)", () => {
  it("leave no gpg-agent, dirmngr, keyboxd, prometheus or any other process behind after a test run", async () => {
    const tempDir = await mkdtemp(join(tmpdir(), "leak-probe-"));
    const marker = randomUUID();
    cleanup = async () => {
      // A failed check must not leak either: stop what the probe left (by pid: they are its processes).
      for (const p of await leftovers(tempDir, marker)) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await rm(tempDir, { recursive: true, force: true });
    };
    // Nothing can carry the marker or mention the new folder yet: what shows up later is the probe's.
    expect(await leftovers(tempDir, marker)).toEqual([]);

    // A vitest of its own, so the file-level hooks (afterAll) run as they do for real suites, with every temp
    // folder (gpg homes and Prometheus folders included) under tempDir and the marker inherited by all that it starts.
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && !name.startsWith("VITEST")) env[name] = value;
    }
    const probe = await run(process.execPath, [VITEST, "run", "--config", PROBE_CONFIG], {
      cwd: ROOT,
      env: { ...env, TMPDIR: tempDir, [MARKER_VARIABLE]: marker },
      replaceEnv: true,
      timeoutMs: 150_000,
      redactor: new Redactor(),
    });
    expect(probe.exitCode, `${probe.stdout}\n${probe.stderr}`).toBe(0);

    const left = await settledLeftovers(tempDir, marker);
    expect(left.map((p) => `${p.pid} ${p.args}`)).toEqual([]);
  }, 180_000);
});
