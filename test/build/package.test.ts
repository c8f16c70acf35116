// The npm package, as an operator gets it: `npm pack` builds dist/ (prepack), the tarball holds the self-contained
// bundle and the systemd units and nothing else, and it installs globally with no registry at all because it
// depends on nothing at run time.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { emulatorEnv, spawnBundle } from "../support/cli.ts";
import { expectGolden } from "../support/golden.ts";

const exec = promisify(execFile);
const REPO = resolve(".");
/** What a checkout needs to pack: no dist/ (prepack must build it), no tests. */
const SOURCES = [
  "package.json",
  "package-lock.json",
  "README.md",
  "tsconfig.json",
  "deploy",
  "scripts",
  "src",
  "systemd",
];
const CHUNK = /^dist\/chunks\/[\w-]+-[A-Z0-9]{8}\.cjs$/;

let work: string;
let tarball: string;
let packed: string[];
let bin: string;
let emu: Emulator;

/** npm with its cache and global folders inside the test's temporary folder. */
function npm(args: string[], cwd: string) {
  return exec("npm", args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: work,
      npm_config_cache: join(work, "npm-cache"),
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    },
    maxBuffer: 16 * 1024 * 1024,
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "package-test-"));
  const checkout = join(work, "checkout");
  await mkdir(checkout);
  for (const entry of SOURCES) await cp(join(REPO, entry), join(checkout, entry), { recursive: true });
  await symlink(join(REPO, "node_modules"), join(checkout, "node_modules"));
  const { stdout } = await npm(["pack", "--json", "--pack-destination", work], checkout);
  const [report] = JSON.parse(stdout.slice(stdout.indexOf("["))) as [
    { filename: string; files: { path: string }[] },
  ];
  tarball = join(work, report.filename);
  packed = report.files.map((file) => file.path).sort();
  const prefix = join(work, "prefix");
  await npm(["install", "--global", "--offline", "--prefix", prefix, tarball], work);
  bin = join(prefix, "bin", "ecs-anywhere-agent");
  emu = await startEmulator();
}, 120_000);

afterAll(async () => {
  await emu?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("depends on nothing at run time: the bundle is self-contained", () => {
    expect(packageJson.dependencies ?? {}).toEqual({});
    expect(packageJson.scripts.prepack).toBe("npm run build");
  });

  it("ships the bundle built by prepack, the units and the operator policies; no tests, sources or maps", async () => {
    const chunks = packed.filter((file) => file.startsWith("dist/chunks/"));
    for (const chunk of chunks) expect(chunk).toMatch(CHUNK);
    expect(chunks.length).toBeGreaterThan(0);
    // Every chunk the build wrote is in the tarball (a missing chunk would fail only when its command runs).
    const built = await readdir(join(work, "checkout", "dist", "chunks"));
    expect(chunks.map((chunk) => chunk.slice("dist/chunks/".length)).sort()).toEqual(built.sort());
    const rest = packed.filter((file) => !file.startsWith("dist/chunks/"));
    expectGolden("package-files.txt", `${[...rest, "dist/chunks/*.cjs"].sort().join("\n")}\n`);
  });

  it("installs globally offline and runs --version from the installed bin", async () => {
    const run = await spawnBundle(["--version"], {}, { bundle: bin });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.trim()).toBe(packageJson.version);
  });

  it("plans setup against the AWS API from the installed bin", async () => {
    const run = await spawnBundle(["setup", "--dry-run", "--output", "json"], emulatorEnv(emu.url), {
      bundle: bin,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ ok: true, dryRun: true, converged: false, region: "eu-west-1" });
    expect(emu.mutatingCalls()).toEqual([]);
    expect(emu.calls().length).toBeGreaterThan(0);
  });
});
