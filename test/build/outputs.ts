// Helpers for test/build: a fresh build with esbuild's metafile (which sources each chunk holds), and the chunks a
// run of the bundle loads.
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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
    { inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string }>; entryPoint?: string }
  >;
}

export interface Build {
  dir: string;
  /** The sources (paths relative to the repository, packages under node_modules/) in a chunk. */
  sourcesOf(file: string): string[];
  /**
   * The chunks loaded whatever the command: the CLI's (which the entry loads: scripts/bundle-entry.ts) and the
   * chunks it imports statically, transitively (absolute paths).
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
  const visit = (path: string): void => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const imported of outputs.get(path)?.imports ?? []) {
      if (imported.kind === "import-statement" && outputs.has(resolve(imported.path)))
        visit(resolve(imported.path));
    }
  };
  const cli = [...outputs].find(([, output]) => output.entryPoint === "src/bin.ts");
  if (cli === undefined) throw new Error("the metafile has no chunk for src/bin.ts");
  visit(cli[0]);
  return {
    dir,
    sourcesOf: (file) => Object.keys(outputs.get(file)?.inputs ?? {}),
    eager,
  };
}

const TRACER = pathToFileURL(resolve("test/support/trace-chunks.mjs")).href;

/** Runs the bundle in `dir` and returns its result and the chunks of `dir` it loaded (absolute paths). */
export async function traceRun(
  dir: string,
  argv: string[],
  env: Record<string, string>,
): Promise<CliResult & { loaded: Set<string> }> {
  const file = join(await mkdtemp(join(tmpdir(), "ecsa-trace-")), "loaded.txt");
  const run = await spawnBundle(
    argv,
    { ...env, TRACE_CHUNKS_FILE: file },
    { bundle: join(dir, ENTRY), nodeArgs: ["--import", TRACER] },
  );
  const paths = (await readFile(file, "utf8")).split("\n");
  const loaded = new Set(paths.filter((path) => path.startsWith(`${dir}/`)));
  return { ...run, loaded };
}
