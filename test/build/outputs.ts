// Helpers for test/build: a fresh build with esbuild's metafile (which sources each output file holds), and
// the output files a run of the bundle loads.
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type CliResult, spawnBundle } from "../support/cli.ts";

export const ENTRY = "ecs-anywhere-agent.mjs";

/** Every file of a built dist/ directory, as paths relative to it. */
export async function outputFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

interface Metafile {
  outputs: Record<
    string,
    { inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string }> }
  >;
}

export interface Build {
  dir: string;
  /** The sources (paths relative to the repository, packages under node_modules/) in an output file. */
  sourcesOf(file: string): string[];
  /**
   * The output files loaded whatever the command: the entry, the CLI it imports (dynamically: see
   * scripts/bundle-entry.ts) and their static imports, transitively.
   */
  eager: Set<string>;
}

/** Builds the bundle into a temporary directory (as `npm run build` does dist/) and reads its metafile. */
export async function buildCopy(): Promise<Build> {
  const dir = join(await mkdtemp(join(tmpdir(), "ecsa-build-")), "dist");
  const metafile = `${dir}.meta.json`;
  const run = spawnSync(process.execPath, ["scripts/build.mjs", "--outdir", dir, "--metafile", metafile], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`the build failed: ${run.stderr}`);
  const meta = JSON.parse(await readFile(metafile, "utf8")) as Metafile;
  const outputs = new Map(Object.entries(meta.outputs).map(([path, output]) => [resolve(path), output]));
  const eager = new Set<string>();
  const visit = (path: string, kinds: string[]): void => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of outputs.get(path)?.imports ?? []) {
      if (kinds.includes(imported.kind) && outputs.has(resolve(imported.path))) {
        visit(resolve(imported.path), ["import-statement"]);
      }
    }
  };
  visit(join(dir, ENTRY), ["import-statement", "dynamic-import"]);
  return {
    dir,
    sourcesOf: (file) => Object.keys(outputs.get(file)?.inputs ?? {}),
    eager,
  };
}

const TRACER = pathToFileURL(resolve("test/support/trace-imports.mjs")).href;

/** Runs the bundle in `dir` and returns its result and the files of `dir` it loaded (absolute paths). */
export async function traceRun(
  dir: string,
  argv: string[],
  env: Record<string, string>,
): Promise<CliResult & { loaded: Set<string> }> {
  const file = join(await mkdtemp(join(tmpdir(), "ecsa-trace-")), "loaded.txt");
  const run = await spawnBundle(
    argv,
    { ...env, TRACE_IMPORTS_FILE: file },
    { bundle: join(dir, ENTRY), nodeArgs: ["--import", TRACER] },
  );
  const urls = (await readFile(file, "utf8")).split("\n").filter((url) => url.startsWith("file:"));
  const loaded = new Set(urls.map((url) => fileURLToPath(url)).filter((path) => path.startsWith(`${dir}/`)));
  return { ...run, loaded };
}
