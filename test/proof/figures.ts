// The figures the proof suites measure, for the bench to publish. Each suite records its own part when the
// environment names PROOF_FIGURES_FILE: `<file>.parts/<suite>.json` (suites run in parallel workers, so each
// writes only its own part), and the merged `<file>` is rewritten from every part present. `collectFigures`
// reads the parts back (the bench calls it after the suites ran); `npx tsx test/proof/figures.ts FILE`
// prints the merged figures.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The numeric figures a suite contributes; parts are summed key by key. */
export interface ProofFigures {
  /** Crash points driven (a step of setup, register or deregister, times SIGKILL or SIGTERM). */
  crash_points?: number;
  /** Of those, the ones whose re-run converged with every check passing. */
  crash_converged?: number;
  /** AWS fault cases driven (an operation the agent calls, times a fault). */
  fault_cases?: number;
  /** Of those, the ones that ended cleanly (success through retries, or exit 1 with one clear line). */
  fault_clean?: number;
  /** Rows of the bad-input corpus, and those whose every check passed. */
  bad_inputs?: number;
  bad_inputs_clean?: number;
  /** Planted secrets found anywhere by the whole-flow scan (0 is the goal). */
  secret_scan_hits?: number;
}

/** A suite's part: its figures, what failed (empty when every case passed), and known bounded leftovers. */
export interface FiguresPart {
  suite: string;
  figures: ProofFigures;
  failures: string[];
  notes?: string[];
}

export const FIGURES_ENV = "PROOF_FIGURES_FILE";

const partsDir = (file: string) => join(dirname(file), `${basename(file)}.parts`);

/** Writes the suite's part and the merged file, when PROOF_FIGURES_FILE is set; otherwise does nothing. */
export function recordFigures(part: FiguresPart, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[FIGURES_ENV];
  if (file === undefined || file === "") return;
  const dir = partsDir(file);
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, `${part.suite}.json`), `${JSON.stringify(part, null, 2)}\n`);
  // Two suites ending together must not overwrite each other's merge with an older one.
  withLock(join(dir, ".merge.lock"), () =>
    writeAtomically(file, `${JSON.stringify(collectFigures(file), null, 2)}\n`),
  );
}

/** Runs `fn` holding a lock folder; one still there after 5 s (its holder died) is taken over. */
function withLock(lock: string, fn: () => void): void {
  let deadline = Date.now() + 5_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (Date.now() > deadline) {
        rmdirSync(lock);
        deadline = Date.now() + 5_000;
      } else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(lock);
  }
}

/** The sum of every recorded part next to `file`, with the suites and their failures. */
export function collectFigures(
  file: string,
): ProofFigures & { suites: string[]; failures: string[]; notes: string[] } {
  const sum: Record<string, number> = {};
  const suites: string[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(partsDir(file)).filter((name) => name.endsWith(".json"));
  } catch {
    // nothing recorded yet
  }
  for (const name of names.sort()) {
    const part = JSON.parse(readFileSync(join(partsDir(file), name), "utf8")) as FiguresPart;
    suites.push(part.suite);
    failures.push(...part.failures.map((failure) => `${part.suite}: ${failure}`));
    notes.push(...(part.notes ?? []).map((note) => `${part.suite}: ${note}`));
    for (const [key, value] of Object.entries(part.figures)) sum[key] = (sum[key] ?? 0) + value;
  }
  return { ...sum, suites, failures, notes };
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write("usage: tsx test/proof/figures.ts FIGURES_FILE\n");
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(collectFigures(file), null, 2)}\n`);
}
