// The shipped bundle (built by `npm run build`, which `npm test` runs first): one file, and the code only
// commands need (the AWS SDK above all) is embedded as strings that are compiled on first use (see
// scripts/build.mjs), so --version does not pay for it; commands that need AWS still work, errors included.
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { emulatorEnv, spawnBundle } from "../support/cli.ts";

const BUNDLE = "dist/ecs-anywhere-agent.mjs";
/** Text that only the AWS SDK's code contains (not "@aws-sdk/": the bundled package.json names it). */
const SDK_MARKERS = /@smithy\/|x-amz-|AWS_EXECUTION_ENV/;

interface Split {
  /** The code with every embedded chunk string cut out. */
  outside: string;
  /** The decoded chunk strings, by name ("commands", "aws"). */
  chunks: Map<string, string>;
}

/** Finds the chunk strings (string literals ending in a "sourceURL=ecs-anywhere-agent:<name>-chunk.js" line). */
function splitChunks(code: string): Split {
  const source = ts.createSourceFile("bundle.js", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const chunks = new Map<string, string>();
  const cuts: Array<[number, number]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node)) {
      const name = /\/\/# sourceURL=ecs-anywhere-agent:(\w+)-chunk\.js\n$/.exec(node.text)?.[1];
      if (name !== undefined) {
        expect(chunks.has(name)).toBe(false);
        chunks.set(name, node.text);
        cuts.push([node.getStart(source), node.end]);
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let outside = "";
  let at = 0;
  for (const [start, end] of cuts.sort((a, b) => a[0] - b[0])) {
    outside += code.slice(at, start);
    at = end;
  }
  return { outside: outside + code.slice(at), chunks };
}

let bundle: string;
let outer: Split;
beforeAll(async () => {
  bundle = await readFile(BUNDLE, "utf8");
  outer = splitChunks(bundle);
});

describe("the bundle", () => {
  it("is one executable file with a node shebang", async () => {
    expect(await readdir("dist")).toEqual(["ecs-anywhere-agent.mjs"]);
    expect(bundle.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect((await stat(BUNDLE)).mode & 0o111).toBe(0o111);
    // Its only imports are Node built-ins: nothing next to it is loaded at run time.
    const imports = [
      ...outer.outside.matchAll(/(?:^|[;}\n])import\s*(?:[\w${}\s,*]+from\s*)?["']([^"']+)["']/g),
    ];
    expect(imports.length).toBeGreaterThan(0);
    for (const [, specifier] of imports) expect(specifier).toMatch(/^node:/);
  });

  it("carries the AWS SDK only inside the embedded AWS chunk, which is inside the commands chunk", () => {
    expect([...outer.chunks.keys()]).toEqual(["commands"]);
    expect(outer.outside).not.toMatch(SDK_MARKERS);
    // What --version compiles is small: the chunks hold nearly everything.
    expect(outer.outside.length).toBeLessThan(bundle.length / 10);

    const commands = splitChunks(outer.chunks.get("commands") as string);
    expect([...commands.chunks.keys()]).toEqual(["aws"]);
    expect(commands.outside).not.toMatch(SDK_MARKERS);
    expect(commands.chunks.get("aws")).toMatch(SDK_MARKERS);
    expect(commands.chunks.get("aws")).toContain("IAMClient");
    // The agent modules the AWS chunk takes from its host instead of bundling a copy: src/errors.ts (the
    // error classes) and nothing from its own folder.
    const hostModules = [...(commands.chunks.get("aws") as string).matchAll(/__ecsaHost\["([^"]+)"\]/g)].map(
      (match) => match[1],
    );
    expect(hostModules).toContain("src/errors.ts");
    for (const key of hostModules) expect(key).not.toMatch(/^src\/adapters\/aws\//);
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

  it("compiles a chunk only when a command needs it", async () => {
    // A preload that reports every chunk the bundle compiles (they are compiled with `new Function`).
    const hook = join(env.HOME as string, "trace-chunks.mjs");
    await writeFile(
      hook,
      `const NativeFunction = globalThis.Function;
globalThis.Function = new Proxy(NativeFunction, {
  construct(target, args, newTarget) {
    const name = /sourceURL=ecs-anywhere-agent:(\\w+)-chunk\\.js\\n$/.exec(String(args.at(-1)))?.[1];
    if (name) process.stderr.write("[chunk " + name + "]\\n");
    return Reflect.construct(target, args, newTarget);
  },
});
`,
    );
    const traced = { ...env, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const chunksOf = (stderr: string) => [...stderr.matchAll(/\[chunk (\w+)\]/g)].map((match) => match[1]);

    const version = await spawnBundle(["--version"], traced);
    expect(version).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
    const help = await spawnBundle(["--help"], traced);
    expect(help.code).toBe(0);
    expect(chunksOf(help.stderr)).toEqual([]);

    const validate = await spawnBundle(
      ["config", "validate", "--config", "/dev/null", "--output", "json"],
      traced,
    );
    expect(validate.code).toBe(0);
    expect(chunksOf(validate.stderr)).toEqual(["commands"]);

    const setup = await spawnBundle(["setup", "--dry-run"], traced);
    expect(setup.code).toBe(0);
    expect(chunksOf(setup.stderr)).toEqual(["commands", "aws"]);
  });

  it("runs setup against AWS and prints the plan as one JSON document", async () => {
    const run = await spawnBundle(["setup", "--output", "json"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.dryRun).toBe(false);
    expect(plan.changes.map((change: { summary: string }) => change.summary)).toContain(
      "create role ECSAnywhereRole",
    );
    expect(emu.state.roles.ECSAnywhereRole).toBeDefined();
  });

  it("an AWS error raised inside the AWS chunk is still reported with its remediation", async () => {
    // cli/main.ts prints "fix:" for `instanceof OperationError`: the chunk must share the bundle's classes.
    emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 5 });
    const run = await spawnBundle(["setup", "--max-attempts", "1"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("error: sts:GetCallerIdentity was throttled by AWS and the retries ran out");
    expect(run.stderr).toContain("\n  fix: wait a minute and re-run");
  });
});
