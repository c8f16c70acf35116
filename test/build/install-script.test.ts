// scripts/install.sh, run for real with DESTDIR (the suite's pretest builds dist/, which it installs).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { hash, listing, temp } from "./tree.ts";

const REPO = resolve(".");
const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const NODE_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
const haveSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
const haveShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

/**
 * A copy of what the script installs from (itself, dist/, package.json, systemd/*.service, the example config),
 * so a test can change the source without touching the checkout, and another user can read it.
 */
function sourceTree(change?: (tree: string) => void): string {
  if (!existsSync(join(REPO, "dist/ecs-anywhere-agent.mjs")))
    throw new Error("dist/ is missing: npm run build");
  const tree = temp("install-src-");
  for (const path of ["scripts/install.sh", "dist", "package.json", "systemd", "deploy/config"]) {
    cpSync(join(REPO, path), join(tree, path), { recursive: true });
  }
  change?.(tree);
  return tree;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function install(tree: string, args: string[], env: Record<string, string> = {}, asUser?: number): Run {
  const command = ["bash", join(tree, "scripts/install.sh"), ...args];
  const [file, ...rest] =
    asUser === undefined
      ? command
      : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", ...command];
  const run = spawnSync(file as string, rest, { env: { PATH: NODE_PATH, ...env }, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What an install of `tree` under a DESTDIR must hold, and nothing else. */
function expectedListing(tree: string, prefix = "opt/ecs-anywhere-agent"): string[] {
  const file = (source: string, mode: string) => `${mode} ${hash(readFileSync(join(tree, source)))}`;
  const dirsOf = (path: string) => path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  const entries = new Set<string>();
  for (const dir of [...dirsOf(prefix), "usr", "usr/local", "etc", "etc/systemd", "var", "var/lib"]) {
    entries.add(`${dir} dir 0755`);
  }
  for (const dir of ["dist", "dist/chunks"]) entries.add(`${prefix}/${dir} dir 0755`);
  entries.add(`${prefix}/package.json file ${file("package.json", "0644")}`);
  entries.add(`${prefix}/dist/ecs-anywhere-agent.mjs file ${file("dist/ecs-anywhere-agent.mjs", "0755")}`);
  for (const chunk of readdirSync(join(tree, "dist/chunks"))) {
    entries.add(`${prefix}/dist/chunks/${chunk} file ${file(`dist/chunks/${chunk}`, "0644")}`);
  }
  entries.add("usr/local/bin dir 0755");
  const depth = "../../..";
  entries.add(`usr/local/bin/ecs-anywhere-agent link -> ${depth}/${prefix}/dist/ecs-anywhere-agent.mjs`);
  entries.add("etc/ecs-anywhere-agent dir 0700");
  entries.add(
    `etc/ecs-anywhere-agent/config.yaml.example file ${file("deploy/config/config.yaml.example", "0644")}`,
  );
  entries.add("etc/systemd/system dir 0755");
  for (const unit of readdirSync(join(tree, "systemd")).filter((name) => name.endsWith(".service"))) {
    entries.add(`etc/systemd/system/${unit} file ${file(`systemd/${unit}`, "0644")}`);
  }
  entries.add("var/lib/ecs-anywhere-agent dir 0700");
  return [...entries].sort();
}

/** Runs the installed agent from the DESTDIR (through the /usr/local/bin link). */
function agent(dest: string, args: string[]) {
  return spawnSync(join(dest, "usr/local/bin/ecs-anywhere-agent"), args, {
    env: { PATH: NODE_PATH, HOME: dest },
    encoding: "utf8",
  });
}

describe("install.sh with DESTDIR", () => {
  let tree: string;
  beforeAll(() => {
    tree = sourceTree();
  });

  it("installs the bundle, the link, the example config, every unit and the state folder, with their modes", () => {
    const dest = temp("install-dest-");
    const run = install(tree, [], { DESTDIR: dest });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `ecs-anywhere-agent ${packageJson.version} staged under ${dest} (no systemctl with DESTDIR)\n`,
    );
    expect(listing(dest)).toEqual(expectedListing(tree));
  });

  it("gives an agent that runs from the DESTDIR and accepts the example config, which shows the defaults", () => {
    const dest = temp("install-dest-");
    expect(install(tree, [], { DESTDIR: dest }).status).toBe(0);
    const version = agent(dest, ["--version"]);
    expect(version.stderr).toBe("");
    expect(version.stdout.trim()).toBe(packageJson.version);

    const example = join(dest, "etc/ecs-anywhere-agent/config.yaml.example");
    const validate = (file: string) => {
      const run = agent(dest, ["config", "validate", "--config", file, "--output", "json"]);
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as { valid: boolean; warnings: string[]; config: unknown };
    };
    const resolved = validate(example);
    expect(resolved.valid).toBe(true);
    expect(resolved.warnings).toEqual([]);
    // "Every setting below except region and cluster shows its default": the same as a file with only those two.
    const minimal = join(temp("install-config-"), "config.yaml");
    writeFileSync(minimal, "region: eu-west-1\ncluster: edge\n");
    expect(resolved.config).toEqual(validate(minimal).config);
    // The daemon's health section is there as a comment only.
    expect(readFileSync(example, "utf8")).toMatch(
      /^# health:\n# {3}interval: 15s\n# {3}listen: "127\.0\.0\.1:9745"$/m,
    );
  });

  it("is idempotent: a second run leaves the same files, puts modes back and removes chunks of an older build", () => {
    const dest = temp("install-dest-");
    expect(install(tree, [], { DESTDIR: dest }).status).toBe(0);
    const first = listing(dest);
    const chunks = join(dest, "opt/ecs-anywhere-agent/dist/chunks");
    writeFileSync(join(chunks, "chunk-OLDBUILD.cjs"), "export {};\n");
    chmodSync(join(dest, "opt/ecs-anywhere-agent"), 0o777);
    chmodSync(join(dest, "var/lib/ecs-anywhere-agent"), 0o755);
    const again = install(tree, [], { DESTDIR: dest });
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(listing(dest)).toEqual(first);
  });

  it("installs under --prefix, with the link pointing there", () => {
    const dest = temp("install-dest-");
    const run = install(tree, ["--prefix", "/srv/ecs-agent/"], { DESTDIR: dest });
    expect(run.status, run.stderr).toBe(0);
    expect(listing(dest)).toEqual(expectedListing(tree, "srv/ecs-agent"));
    expect(agent(dest, ["--version"]).stdout.trim()).toBe(packageJson.version);
  });

  it("--dry-run prints the steps and writes nothing", () => {
    const dest = temp("install-dest-");
    const run = install(tree, ["--dry-run"], { DESTDIR: dest });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`would run: install -d -m 0700 ${dest}/var/lib/ecs-anywhere-agent\n`);
    expect(run.stdout).toContain(
      `would run: ln -sfn -- ../../../opt/ecs-anywhere-agent/dist/ecs-anywhere-agent.mjs ${dest}/usr/local/bin/ecs-anywhere-agent\n`,
    );
    expect(run.stdout).not.toContain("would run: systemctl");
    expect(run.stdout).toMatch(/dry run: nothing was changed/);
    expect(listing(dest)).toEqual([]);
  });
});

describe("install.sh refuses, writing nothing (exit 2)", () => {
  let tree: string;
  beforeAll(() => {
    tree = sourceTree();
  });

  /** A fresh DESTDIR with `plant` applied; the run must fail with `message` and leave the DESTDIR as planted. */
  function refused(plant: (dest: string, elsewhere: string) => void, message: RegExp, args: string[] = []) {
    const dest = temp("install-dest-");
    const elsewhere = temp("install-elsewhere-");
    plant(dest, elsewhere);
    const before = { dest: listing(dest), elsewhere: listing(elsewhere) };
    const run = install(tree, args, { DESTDIR: dest });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(listing(dest)).toEqual(before.dest);
    expect(listing(elsewhere)).toEqual(before.elsewhere);
  }

  /** Makes `path` under `dest` a symbolic link to `elsewhere`, creating the folders above it. */
  function link(dest: string, path: string, elsewhere: string) {
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    symlinkSync(elsewhere, join(dest, path));
  }

  it.each([
    "opt/ecs-anywhere-agent",
    "etc/systemd/system",
    "etc/ecs-anywhere-agent",
    "var/lib/ecs-anywhere-agent",
    "usr/local/bin",
    "usr/local", // a folder above a target
  ])("a symbolic link at %s", (path) => {
    refused((dest, elsewhere) => link(dest, path, elsewhere), new RegExp(`/${path} is a symbolic link`));
  });

  it("a symbolic link planted in the agent's folder after an install (the chunks folder)", () => {
    refused((dest, elsewhere) => {
      expect(install(tree, [], { DESTDIR: dest }).status).toBe(0);
      const chunks = join(dest, "opt/ecs-anywhere-agent/dist/chunks");
      rmSync(chunks, { recursive: true });
      symlinkSync(elsewhere, chunks);
    }, /dist\/chunks is a symbolic link/);
  });

  it("a symbolic link in place of a unit file", () => {
    refused((dest, elsewhere) => {
      writeFileSync(join(elsewhere, "victim"), "not to be overwritten\n");
      link(dest, "etc/systemd/system/ecs-anywhere-register.service", join(elsewhere, "victim"));
    }, /ecs-anywhere-register\.service is a symbolic link: refusing to replace it/);
  });

  it("a file where a folder goes, and a folder where the link goes", () => {
    refused((dest) => {
      mkdirSync(join(dest, "var/lib"), { recursive: true });
      writeFileSync(join(dest, "var/lib/ecs-anywhere-agent"), "");
    }, /var\/lib\/ecs-anywhere-agent is not a folder/);
    refused(
      (dest) => mkdirSync(join(dest, "usr/local/bin/ecs-anywhere-agent"), { recursive: true }),
      /usr\/local\/bin\/ecs-anywhere-agent is a folder/,
    );
  });

  it("a folder of the agent's own that belongs to another user", (ctx) => {
    ctx.skip(!IS_ROOT, "only root can give a folder to another user; runs in CI (as root)");
    refused(
      (dest) => {
        mkdirSync(join(dest, "opt/ecs-anywhere-agent"), { recursive: true });
        chownSync(join(dest, "opt/ecs-anywhere-agent"), NOBODY, NOBODY);
      },
      new RegExp(`opt/ecs-anywhere-agent belongs to uid ${NOBODY}, not uid 0`),
    );
  });

  it.each([
    [["--prefix", "opt/relative"], /--prefix must be an absolute folder/],
    [["--prefix", "/opt/../etc"], /--prefix must be an absolute folder/],
    [["--prefix", "/"], /--prefix must be an absolute folder/],
    [["--prefix", "/opt/with space"], /--prefix must be an absolute folder/],
    [["--prefix"], /--prefix needs a folder/],
    [["--enable-everything"], /unknown argument: --enable-everything \(see --help\)/],
  ])("bad arguments %j", (args, message) => {
    refused(() => {}, message, args);
  });

  it("a relative DESTDIR, and a checkout without a build", () => {
    const run = install(tree, [], { DESTDIR: "relative/dest" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/DESTDIR must be an absolute path/);

    const unbuilt = sourceTree((source) => rmSync(join(source, "dist"), { recursive: true }));
    const dest = temp("install-dest-");
    const missing = install(unbuilt, [], { DESTDIR: dest });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/dist\/ecs-anywhere-agent\.mjs is missing: run npm run build first/);
    expect(listing(dest)).toEqual([]);
  });
});

describe("install.sh onto this host (without DESTDIR)", () => {
  // A real non-root run: as ourselves when we are not root, else as nobody through setpriv (util-linux).
  const asUser = IS_ROOT ? NOBODY : undefined;
  const skipReason =
    IS_ROOT && !haveSetpriv ? "running as root without setpriv: cannot run it as another user" : "";

  it("refuses to run as a user other than root", (ctx) => {
    ctx.skip(skipReason !== "", skipReason);
    const run = install(sourceTree(), [], {}, asUser);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "install.sh: installing onto this host needs root: run it as root, or set DESTDIR=FOLDER to stage the files there\n",
    );
  });

  it("plans the systemctl steps in a dry run, which needs no root", (ctx) => {
    ctx.skip(skipReason !== "", skipReason);
    const systemdRunning = existsSync("/run/systemd/system");
    const withUnit = sourceTree((source) => {
      // The daemon's unit, whatever the checkout holds: the step that enables it is what is tested here.
      writeFileSync(join(source, "systemd/ecs-anywhere-agent.service"), "[Service]\nExecStart=/bin/true\n");
    });
    const planned = install(withUnit, ["--dry-run"], {}, asUser);
    expect(planned.status, planned.stderr).toBe(0);
    expect(planned.stdout).toContain("would run: install -d -m 0755 /opt/ecs-anywhere-agent ");
    expect(planned.stdout).toContain("would run: systemctl enable ecs-anywhere-agent.service\n");
    expect(planned.stdout.includes("would run: systemctl daemon-reload\n")).toBe(systemdRunning);
    expect(planned.stderr.includes("systemd is not running here")).toBe(!systemdRunning);
    expect(planned.stdout).toMatch(/dry run: nothing was changed\n$/);

    const noEnable = install(withUnit, ["--dry-run", "--no-enable"], {}, asUser);
    expect(noEnable.status).toBe(0);
    expect(noEnable.stdout).not.toContain("systemctl enable");

    const withoutUnit = sourceTree((source) =>
      rmSync(join(source, "systemd/ecs-anywhere-agent.service"), { force: true }),
    );
    const unitless = install(withoutUnit, ["--dry-run"], {}, asUser);
    expect(unitless.status).toBe(0);
    expect(unitless.stdout).not.toContain("systemctl enable");
    expect(unitless.stderr).toContain(
      "systemd/ecs-anywhere-agent.service is not in this checkout: nothing enabled",
    );
  });
});

describe("install.sh itself", () => {
  it("--help prints the usage and exits 0", () => {
    const run = install(REPO, ["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^Usage: scripts\/install\.sh \[--prefix DIR\] \[--no-enable\] \[--dry-run\] \[--help\]/,
    );
    expect(run.stdout).toContain("DESTDIR");
  });

  it("passes shellcheck", (ctx) => {
    ctx.skip(!haveShellcheck && !process.env.CI, "shellcheck is not installed (CI installs it: .ci/run)");
    const run = spawnSync("shellcheck", ["--severity=style", "scripts/install.sh"], { encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
