// The shipped bundle (built by `npm run build`, which `npm test` runs first; see scripts/bundle.mjs): an entry and
// CommonJS chunks split at the sources' dynamic import()s, so --version and --help load only the CLI parser and
// each command loads its own code (the AWS SDK above all) when it runs; the entry loads them with V8's code cache.
// Nothing is compiled from strings but the chunks' files.
import { spawn } from "node:child_process";
import {
  access,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nodeOf, PRODUCTION_NODE } from "../../bench/unit-env.ts";
import packageJson from "../../package.json" with { type: "json" };
import { hostArgs, makeRegistered, startDaemonWorld } from "../daemon/harness.ts";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { type CliResult, emulatorEnv, spawnBundle } from "../support/cli.ts";
import { type Build, buildCopy, ENTRY, outputFiles, traceRun } from "./outputs.ts";

const DIST = resolve("dist");
const BUNDLE = join(DIST, ENTRY);
const NO_STRING_CODE = ["--disallow-code-generation-from-strings"];
/** Sources --version and --help must not load: the AWS SDK, the logger (pino) and config (yaml, src/). */
const HEAVY = /node_modules\/(@aws-sdk|@smithy|pino|yaml)\/|^src\/.*(config|logger)/;
const SDK = /node_modules\/@aws-sdk\//;
/** A script for --import that prints, at exit, every module the process loaded (built-ins as "NativeModule x"). */
const LOAD_REPORT = `process.on("exit", () => console.error(process.moduleLoadList.join("\\n")))`;

/**
 * Every module a bundle file loads: static imports and re-exports, `import()` and `require()` with a literal name,
 * and how. Parsed, not scanned: a lexer-level scan (ts.preProcessFile) loses track of strings in minified code
 * after some regular expressions and reads `"--import"` inside a string as an import.
 */
function moduleSpecifiers(file: string, code: string): { specifier: string; by: "import" | "require" }[] {
  const found: { specifier: string; by: "import" | "require" }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier))
        found.push({ specifier: node.moduleSpecifier.text, by: "import" });
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const by =
        node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? "import"
          : ts.isIdentifier(node.expression) && node.expression.text === "require"
            ? "require"
            : undefined;
      if (by !== undefined && first !== undefined && ts.isStringLiteralLike(first)) {
        found.push({ specifier: first.text, by });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS));
  return found;
}

describe("the bundle", () => {
  let files: string[];
  beforeAll(async () => {
    files = await outputFiles(DIST);
  });

  it("is an executable entry with a node shebang, and chunks beside it", async () => {
    expect(files).toContain(ENTRY);
    for (const file of files) expect(file === ENTRY || /^chunks\/[\w-]+\.cjs$/.test(file)).toBe(true);
    expect((await readFile(BUNDLE, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect((await stat(BUNDLE)).mode & 0o111).toBe(0o111);
  });

  // An ES import of a built-in makes Node 22 build its ES module facade, which reads every export, lazy ones too:
  // node:http's WebSocket alone loads undici, TLS, HTTP/2 and zlib (scripts/bundle-options.mjs).
  it("its chunks require their own chunks and Node built-ins only; the entry imports nothing and names the CLI's chunk", async () => {
    const seen: { specifier: string; by: string }[] = [];
    for (const file of files.filter((name) => name !== ENTRY)) {
      const code = await readFile(join(DIST, file), "utf8");
      const specifiers = moduleSpecifiers(file, code);
      seen.push(...specifiers);
      for (const { specifier, by } of specifiers) {
        expect(by, `${file} imports ${specifier}`).toBe("require");
        if (isBuiltin(specifier)) continue;
        expect(specifier, `${file} requires ${specifier}`).toMatch(/^\.\.?\/[\w-]+\.cjs$/);
        await access(resolve(DIST, dirname(file), specifier));
      }
    }
    // The parse finds what is there: chunks require chunks. The built-ins the sources import come from
    // process.getBuiltinModule (node:http among them); CommonJS packages' require() is minified to another name.
    expect(seen.some(({ specifier }) => /^\.\/[\w-]+\.cjs$/.test(specifier))).toBe(true);
    const texts = await Promise.all(files.map((file) => readFile(join(DIST, file), "utf8")));
    expect(texts.some((text) => text.includes('process.getBuiltinModule("node:http")'))).toBe(true);
    const entry = await readFile(BUNDLE, "utf8");
    expect(moduleSpecifiers(ENTRY, entry)).toEqual([]);
    const main = /"(chunks\/ecs-anywhere-agent-\w+\.cjs)"/.exec(entry)?.[1];
    expect(main, "the entry names the CLI's chunk").toBeDefined();
    expect(files).toContain(main);
  });

  it("holds no code compiled from strings", async () => {
    // An aliased `new (Function)("")` would not match here: the runs below with
    // --disallow-code-generation-from-strings cover that.
    for (const file of files) {
      expect(await readFile(join(DIST, file), "utf8"), file).not.toMatch(/\bnew Function\b|\beval\(/);
    }
  });
});

/**
 * Runs the bundle's daemon on `node` against a fake host until its first pass is over and it serves, then stops
 * it with SIGTERM; returns its stderr once it exited 0.
 */
async function daemonUntilServing(
  node: string,
  nodeArgs: string[],
  extraEnv: Record<string, string> = {},
): Promise<string> {
  const world = await startDaemonWorld();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    makeRegistered(world.host, new Date());
    const config = join(world.host.root, "daemon-config.yaml"); // removed with the fake host
    await writeFile(config, "region: eu-west-1\ncluster: edge\n");
    const args = [...hostArgs(world), "--listen", "127.0.0.1:0"];
    const daemon = spawn(node, [...nodeArgs, BUNDLE, "daemon", ...args], {
      env: { ...world.env, ECS_ANYWHERE_CONFIG: config, ECS_ANYWHERE_LOG_LEVEL: "info", ...extraEnv },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = daemon;
    let stderr = "";
    const closed = new Promise<number | null>((done) => daemon.on("close", done));
    await new Promise<void>((passed, failed) => {
      daemon.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
        // the first pass is over and the server listens: what the daemon loads, it has loaded
        if (stderr.includes('"msg":"serving"')) passed();
      });
      daemon.on("close", () => failed(new Error(`the daemon exited early: ${stderr}`)));
    });
    daemon.kill("SIGTERM");
    expect(await closed).toBe(0);
    return stderr;
  } finally {
    if (child?.exitCode === null) child.kill("SIGKILL"); // a daemon that never said "serving"
    await world.stop();
  }
}

describe("what a run loads", () => {
  /** A fresh build, whose metafile tells which sources each output file holds. */
  let build: Build;
  let emu: Emulator;
  beforeAll(async () => {
    build = await buildCopy();
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());
  const sourcesLoaded = (loaded: Set<string>) => [...loaded].flatMap((file) => build.sourcesOf(file));

  it("holds the config validator of its own and no schema library", async () => {
    const sources = (await outputFiles(build.dir)).flatMap((file) => build.sourcesOf(join(build.dir, file)));
    expect(sources).toContain("src/config/validate.ts");
    expect(sources.filter((source) => /node_modules\/zod\//.test(source))).toEqual([]);
  });

  it("holds yaml's ES module build, not its CommonJS one (parsed once, not twice: scripts/bundle-options.mjs)", async () => {
    const sources = (await outputFiles(build.dir)).flatMap((file) => build.sourcesOf(join(build.dir, file)));
    expect(sources).toContain("node_modules/yaml/browser/dist/index.js");
    expect(sources.filter((source) => source.startsWith("node_modules/yaml/dist/"))).toEqual([]);
  });

  it("--version and --help load only the eager chunks: no AWS SDK, logger or config module", async () => {
    for (const flag of ["--version", "--help"]) {
      const run = await traceRun(build.dir, [flag], {});
      expect(run.code).toBe(0);
      const sources = sourcesLoaded(run.loaded);
      expect(sources).toContain("src/bin.ts"); // the tracer works
      for (const file of run.loaded) expect(build.eager.has(file), `${flag} loaded ${file}`).toBe(true);
      expect(sources.filter((source) => HEAVY.test(source))).toEqual([]);
    }
  });

  it("--version does not load node:child_process (commander gets it lazily: scripts/bundle-options.mjs)", async () => {
    const run = await spawnBundle(
      ["--version"],
      {},
      { nodeArgs: ["--import", `data:text/javascript,${LOAD_REPORT}`] },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("NativeModule fs\n"); // the report works
    expect(run.stderr).not.toContain("NativeModule child_process\n");
  });

  it("config validate does not load node:crypto (OpenSSL): modules get it on first use", async () => {
    const run = await spawnBundle(
      ["config", "validate", "--config", "/dev/null"],
      {},
      { nodeArgs: ["--import", `data:text/javascript,${LOAD_REPORT}`] },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("NativeModule fs\n"); // the report works
    expect(run.stderr).not.toContain("NativeModule crypto\n");
  });

  // Production's runtime. The daemon serves HTTP and requests the ECS agent's introspection API over node:http, whose
  // ES module facade on Node 22 would load undici (http.WebSocket), node:tls, node:crypto (OpenSSL), node:http2
  // and node:zlib: 10 MB of the daemon's memory (scripts/bundle-options.mjs).
  it("the daemon on Node 22 loads no undici, TLS, OpenSSL, HTTP/2 or zlib, nor prom-client's push gateway", async () => {
    const stderr = await daemonUntilServing(nodeOf(PRODUCTION_NODE), [
      "--import",
      `data:text/javascript,${LOAD_REPORT}`,
    ]);
    expect(stderr).toContain("NativeModule _http_server\n"); // the report works
    for (const name of ["internal/deps/undici/undici", "tls", "crypto", "http2", "zlib", "https"]) {
      expect(stderr).not.toContain(`NativeModule ${name}\n`);
    }
  }, 120_000); // scripts/node-runtime.sh installs Node 22 from the registry on first use

  // V8 refuses cached data made under other flags: the daemon's (src/daemon/runtime.ts) are set before any chunk
  // compiles (src/boot/boot.ts), so what its exit writes is what its next start takes.
  it("the daemon starts warm: its second start takes every chunk from the cache its first exit wrote", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "ecsa-daemon-cache-"));
    const cacheFile = async () => {
      const folder = join(tmp, `ecs-anywhere-agent-${process.getuid?.()}-code-cache`);
      const names = (await readdir(folder)).filter((name) => /-daemon-[0-9a-f]{8}\.bin$/.test(name));
      expect(names).toHaveLength(1);
      return stat(join(folder, names[0] as string));
    };
    await daemonUntilServing(process.execPath, [], { TMPDIR: tmp });
    const first = await cacheFile();
    await daemonUntilServing(process.execPath, [], { TMPDIR: tmp });
    expect(await cacheFile()).toMatchObject({ ino: first.ino, mtimeMs: first.mtimeMs });
  });

  it("a command loads its code when it runs: config validate without the AWS SDK, setup with it", async () => {
    const env = emulatorEnv(emu.url, { HOME: await mkdtemp(join(tmpdir(), "ecsa-bundle-")) });
    const validate = await traceRun(build.dir, ["config", "validate", "--config", "/dev/null"], env);
    expect(validate.code).toBe(0);
    expect(sourcesLoaded(validate.loaded)).toContain("src/config/validate.ts");
    expect(sourcesLoaded(validate.loaded).filter((source) => SDK.test(source))).toEqual([]);

    const setup = await traceRun(build.dir, ["setup", "--dry-run"], env);
    expect(setup.code).toBe(0);
    expect(sourcesLoaded(setup.loaded).some((source) => SDK.test(source))).toBe(true);
  });

  it("status loads no AWS SDK, metrics, notifier or execa unless control-plane checks are on, then ECS and SSM only", async () => {
    const world = await startDaemonWorld();
    try {
      makeRegistered(world.host, new Date());
      const dir = await mkdtemp(join(tmpdir(), "ecsa-status-"));
      const sources: Record<string, string[]> = {};
      for (const controlPlane of [false, true]) {
        const config = join(dir, `config-${controlPlane}.yaml`);
        await writeFile(
          config,
          `region: eu-west-1\ncluster: edge\nhealth:\n  controlPlane: ${controlPlane}\n`,
        );
        const run = await traceRun(build.dir, ["status", "--no-daemon", ...hostArgs(world)], {
          ...world.env,
          ECS_ANYWHERE_CONFIG: config,
        });
        expect(run.stdout, run.stderr).toMatch(/READY/);
        sources[String(controlPlane)] = sourcesLoaded(run.loaded);
      }
      expect(sources.false).toContain("src/daemon/probes.ts"); // the tracer works
      expect(
        // systemctl runs through node:child_process: execa is for streamed output (the install script). Without a
        // proxy, the tunnels' code (and node:tls with it) stays unloaded.
        sources.false?.filter((source) =>
          /@aws-sdk|@smithy|prom-client|systemd-notify|node_modules\/execa\/|proxy-agent\.ts/.test(source),
        ),
      ).toEqual([]);
      // The control-plane checks ask ECS and SSM only: IAM's and STS's clients stay unloaded.
      const clients = new Set(
        sources.true?.flatMap((source) => /@aws-sdk\/(client-[a-z]+)\//.exec(source)?.[1] ?? []),
      );
      expect([...clients].sort()).toEqual(["client-ecs", "client-ssm"]);
    } finally {
      await world.stop();
    }
  });

  // pino loads node:worker_threads (thread-stream) and node:assert (sonic-boom) when it loads: neither is loaded
  // by anything else a `status` run does, so they tell whether pino ran.
  it("status runs pino only when it logs a line: at info (above the default, warn) it writes none, at debug it does", async () => {
    const world = await startDaemonWorld();
    try {
      makeRegistered(world.host, new Date());
      const config = join(world.host.root, "config.yaml");
      await writeFile(config, "region: eu-west-1\ncluster: edge\n");
      const runs = [];
      for (const level of ["info", "debug"]) {
        runs.push(
          await spawnBundle(
            ["status", "--no-daemon", ...hostArgs(world), "--log-level", level],
            { ...world.env, ECS_ANYWHERE_CONFIG: config },
            { nodeArgs: ["--import", `data:text/javascript,${LOAD_REPORT}`] },
          ),
        );
      }
      const [info, debug] = runs as [CliResult, CliResult];
      expect(info.stdout, info.stderr).toMatch(/READY/);
      expect(info.stderr).toContain("NativeModule child_process\n"); // the report works: the pass ran systemctl
      expect(info.stderr).not.toMatch(/NativeModule (worker_threads|assert)\n/);
      expect(debug.stderr).toMatch(/"level":"debug"/);
      expect(debug.stderr).toContain("NativeModule worker_threads\n");
    } finally {
      await world.stop();
    }
  });
});

describe("the bundle at run time", () => {
  let emu: Emulator;
  let env: Record<string, string>;
  beforeEach(async () => {
    emu = await startEmulator();
    env = { ...emulatorEnv(emu.url), HOME: await mkdtemp(join(tmpdir(), "ecsa-bundle-")) };
  });
  afterEach(() => emu.stop());

  /** Runs setup and checks it printed one JSON plan and created the instance role. */
  async function expectSetup(run: Promise<{ code: number; stdout: string; stderr: string }>): Promise<void> {
    const { code, stdout, stderr } = await run;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.dryRun).toBe(false);
    expect(plan.changes.map((change: { summary: string }) => change.summary)).toContain(
      "create role ECSAnywhereRole",
    );
    expect(emu.state.roles.ECSAnywhereRole).toBeDefined();
  }

  it("runs --version and setup with code generation from strings disallowed", async () => {
    const version = await spawnBundle(["--version"], {}, { nodeArgs: NO_STRING_CODE });
    expect(version).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    await expectSetup(spawnBundle(["setup", "--output", "json"], env, { nodeArgs: NO_STRING_CODE }));
  });

  it("runs from a copy of dist/ with no node_modules around, through a symlink as npm links a bin", async () => {
    const home = await mkdtemp(join(tmpdir(), "ecsa-copy-"));
    for (let dir = home; dir !== dirname(dir); dir = dirname(dir)) {
      await expect(access(join(dir, "node_modules")), `${dir}/node_modules exists`).rejects.toThrow();
    }
    await cp(DIST, join(home, "lib"), { recursive: true });
    await mkdir(join(home, "bin"));
    const bin = join(home, "bin", "ecs-anywhere-agent");
    await symlink(join(home, "lib", ENTRY), bin);
    const version = await spawnBundle(["--version"], {}, { bundle: bin, cwd: home });
    expect(version).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    await expectSetup(spawnBundle(["setup", "--output", "json"], env, { bundle: bin, cwd: home }));
  });

  // src/boot/: V8's code per command, in a private folder; V8 checks its data against the source's length only.
  it("keeps V8's code in a private cache, reuses it, and never runs the code of a chunk that changed since", async () => {
    const home = await mkdtemp(join(tmpdir(), "ecsa-cache-"));
    await cp(DIST, join(home, "lib"), { recursive: true });
    // Whole seconds, as a release archive unpacks them: an mtime that can be put back exactly.
    const chunks = join(home, "lib", "chunks");
    const unpacked = new Date("2026-11-01T00:00:00Z");
    for (const name of await readdir(chunks)) await utimes(join(chunks, name), unpacked, unpacked);
    const bin = join(home, "lib", ENTRY);
    const tmp = join(home, "tmp");
    await mkdir(tmp, { mode: 0o700 });
    const version = () => spawnBundle(["--version"], { TMPDIR: tmp }, { bundle: bin });
    expect(await version()).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    const folder = join(tmp, `ecs-anywhere-agent-${process.getuid?.()}-code-cache`);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const names = await readdir(folder);
    expect(names).toEqual([expect.stringMatching(/^v[\d.]+-\w+-default-[0-9a-f]{8}\.bin$/)]);
    const file = join(folder, names[0] as string);
    const first = await stat(file);
    expect(first.mode & 0o777).toBe(0o600);
    // Every chunk came from the cache: nothing to write back.
    expect(await version()).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    expect(await stat(file)).toMatchObject({ ino: first.ino, mtimeMs: first.mtimeMs });

    // The chunk that holds the version rewritten in place to one of the same length, its mtime put back: V8 would
    // take the cache's data (and print the old version from it), the chunk's ctime tells it changed.
    const other = packageJson.version.replace(/\d/g, (digit) => (digit === "9" ? "8" : "9"));
    const holders = [];
    for (const name of await readdir(chunks)) {
      const path = join(chunks, name);
      const code = await readFile(path, "utf8");
      if (!code.includes(`"${packageJson.version}"`)) continue;
      await writeFile(path, code.replaceAll(`"${packageJson.version}"`, `"${other}"`));
      await utimes(path, unpacked, unpacked);
      expect((await stat(path)).mtimeMs).toBe(unpacked.getTime());
      holders.push(name);
    }
    expect(holders).toHaveLength(1);
    expect(await version()).toEqual({ code: 0, stdout: `${other}\n`, stderr: "" });
    expect((await stat(file)).ino).not.toBe(first.ino); // written again, for the chunk as it is now

    // A cache file that is not one: ignored, and replaced.
    await writeFile(file, "garbage", { mode: 0o600 });
    expect(await version()).toEqual({ code: 0, stdout: `${other}\n`, stderr: "" });
    expect((await stat(file)).size).toBeGreaterThan(1000);
  });

  it("a config the YAML library would warn about is refused in one line (its warnings stay off)", async () => {
    const config = join(env.HOME as string, "list-key.yaml");
    await writeFile(config, "cluster: edge\nhealth:\n  ? [a, b]\n  : 1\n");
    const run = await spawnBundle(["config", "validate", "--config", config], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \(input\): config: health\["\[ a, b \]"\]: unknown key [^\n]*\n$/);
  });

  it("an AWS error raised inside an AWS chunk is still reported with its remediation", async () => {
    // cli/main.ts prints "fix:" for `instanceof OperationError`: every chunk must share the one error class.
    emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 5 });
    const run = await spawnBundle(["setup", "--max-attempts", "1"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error: sts:GetCallerIdentity was throttled by AWS and the retries ran out");
    expect(run.stderr).toContain("\n  fix: wait a minute and re-run");
  });
});
