// deploy/ansible: site.yml and its role, run by the Debian ansible package on a local connection (field notes §10.19)
// into a fake host's ROOT, against the emulator: the first run creates the host's activation on the controller,
// installs the release tarball (`npm pack` output) with its scripts/install.sh --release, writes the config,
// registers and enables the daemon; the second run changes nothing (PLAY RECAP changed=0, field notes §10.20); a
// changed setting is a change again; a missing or wrong SHA-256 fails and installs nothing.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RunResult } from "../fixtures/host.ts";
import { CLUSTER, REGION, startWorld, type World } from "../flows/register/harness.ts";

const REPO = resolve(".");
const SITE = join(REPO, "deploy/ansible/site.yml");
const haveAnsible = spawnSync("ansible-playbook", ["--version"], { stdio: "ignore" }).status === 0;
const unavailable = haveAnsible
  ? undefined
  : "ansible-playbook is not installed (Debian package ansible; .ci/run installs it)";
const IS_ROOT = process.getuid?.() === 0;

/** The PLAY RECAP line of the default callback, host padded (field notes §10.20). */
interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

function recapOf(output: string): Recap {
  const match =
    /^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=\d+\s+ignored=\d+\s*$/m.exec(
      output,
    );
  if (match === null) throw new Error(`no PLAY RECAP for localhost in:\n${output}`);
  const [ok, changed, unreachable, failed, skipped] = match.slice(1).map(Number) as number[];
  return { ok, changed, unreachable, failed, skipped } as Recap;
}

/** Each task's (and handler's) result, by its name as the default callback prints it ("role : name"). */
function tasksOf(output: string): Map<string, string> {
  const tasks = new Map<string, string>();
  let current: string | undefined;
  for (const line of output.split("\n")) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.+)\] \**$/.exec(line);
    if (header !== null) {
      current = header[1] as string;
      continue;
    }
    const result = /^(ok|changed|skipping|fatal|failed): \[/.exec(line);
    if (result !== null && current !== undefined) tasks.set(current, result[1] as string);
  }
  return tasks;
}

const ROLE = "ecs_anywhere_agent : ";
const TASKS = {
  activation: "Create this host's single-use activation on the controller",
  release: `${ROLE}Check that the release tarball and its SHA-256 are given`,
  releaseDir: `${ROLE}Make the folder for the release tarball (0700)`,
  tarball: `${ROLE}Copy the release tarball to the host`,
  install: `${ROLE}Install the release (scripts/install.sh --release) unless it is the current one`,
  config: `${ROLE}Write /etc/ecs-anywhere-agent/config.yaml (0600)`,
  copy: `${ROLE}Copy this host's activation to /etc/ecs-anywhere-agent/activation.json (0600)`,
  register: `${ROLE}Register this host (ecs-anywhere-agent register)`,
  daemon: `${ROLE}Enable and start ecs-anywhere-agent.service`,
  restart: `${ROLE}Restart ecs-anywhere-agent`,
};

let world: World;
let varsFile: string;
let activationFile: string;
let first: RunResult;
let second: RunResult;
let vars: Record<string, unknown>;
let tarball: string;
let sha256: string;

/** site.yml with the test's variables (a JSON file, `-e @FILE`), into the fake host. */
function play(extra: Record<string, unknown> = {}): Promise<RunResult> {
  writeFileSync(varsFile, JSON.stringify({ ...vars, ...extra }));
  const home = join(world.scratch, "ansible");
  return world.host.run("ansible-playbook", ["-i", "localhost,", "-c", "local", SITE, "-e", `@${varsFile}`], {
    cwd: world.scratch, // no ansible.cfg of the checkout's or the caller's
    timeoutMs: 240_000,
    env: {
      ...world.env,
      LC_ALL: "C.UTF-8", // ansible-core refuses a locale that is not UTF-8
      HOME: home, // nothing of Ansible's lands in the caller's home
      ANSIBLE_HOME: home,
      ANSIBLE_LOCAL_TEMP: join(home, "tmp"),
      ANSIBLE_REMOTE_TEMP: join(home, "remote-tmp"),
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_STDOUT_CALLBACK: "default",
      ANSIBLE_RETRY_FILES_ENABLED: "false",
    },
  });
}

beforeAll(async () => {
  if (unavailable !== undefined) return;
  world = await startWorld();
  // The operator's part: setup once (roles, cluster). The play creates the host's activation itself.
  const setup = await world.cloud(["setup", "--cluster", CLUSTER]);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  // The release tarball as it is published: `npm pack` of this checkout (the suite's pretest builds dist/; no
  // prepack here), npm's cache in the scratch folder.
  const releases = join(world.scratch, "releases");
  mkdirSync(releases);
  const packed = spawnSync(
    "npm",
    ["pack", "--offline", "--ignore-scripts", "--json", "--pack-destination", releases],
    {
      cwd: REPO,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: world.scratch,
        npm_config_cache: join(world.scratch, "npm-cache"),
      },
    },
  );
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  tarball = join(releases, (JSON.parse(packed.stdout) as [{ filename: string }])[0].filename);
  sha256 = createHash("sha256").update(readFileSync(tarball)).digest("hex");
  const activationDir = join(world.scratch, "activations");
  activationFile = join(activationDir, "localhost.json");
  varsFile = join(world.scratch, "vars.json");
  mkdirSync(join(world.scratch, "ansible"));
  vars = {
    ecs_anywhere_hosts: "localhost",
    ansible_become: false,
    ansible_python_interpreter: "/usr/bin/python3",
    ecs_anywhere_root: world.host.root,
    ecs_anywhere_release_tarball: tarball,
    ecs_anywhere_release_sha256: sha256,
    ecs_anywhere_region: REGION,
    ecs_anywhere_cluster: CLUSTER,
    ecs_anywhere_config: {
      host: {
        installScript: {
          url: world.server.url,
          gpgKeyFile: world.keyFile,
          fingerprint: world.key.fingerprint,
        },
      },
    },
    // The fake ECS agent's introspection API; unprivileged, the root check cannot pass.
    ecs_anywhere_register_args: [
      "--ecs-agent-url",
      world.host.introspectionUrl,
      ...(IS_ROOT ? [] : ["--skip", "root"]),
    ],
    ecs_anywhere_cli: join(REPO, "dist/ecs-anywhere-agent.mjs"),
    ecs_anywhere_activation_dir: activationDir,
  };
  first = await play();
  world.emu.clearCalls();
  second = await play();
}, 600_000);

afterAll(async () => {
  await world?.stop();
});

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8).padStart(4, "0");

describe("site.yml with the ecs_anywhere_agent role, into a fake host", () => {
  it("first run: creates the activation, installs, configures, registers and enables the daemon", ({
    skip,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const output = first.stdout + first.stderr;
    expect(first.code, output).toBe(0);
    expect(recapOf(output)).toMatchObject({ failed: 0, unreachable: 0 });
    const tasks = tasksOf(output);
    expect(tasks.get(TASKS.release)).toBe("ok");
    for (const name of [
      TASKS.activation,
      TASKS.releaseDir,
      TASKS.tarball,
      TASKS.install,
      TASKS.config,
      TASKS.copy,
      TASKS.register,
      TASKS.daemon,
      TASKS.restart,
    ]) {
      expect(tasks.get(name), `${name}\n${output}`).toBe("changed");
    }
    expect(recapOf(output).changed).toBe(tasks.size - 1);

    // The controller's activation (0600), created for this host and copied to it (0600).
    const activation = JSON.parse(readFileSync(activationFile, "utf8"));
    expect(mode(activationFile)).toBe("0600");
    expect(mode(join(world.scratch, "activations"))).toBe("0700");
    const onHost = world.host.path("/etc/ecs-anywhere-agent/activation.json");
    expect(readFileSync(onHost, "utf8")).toBe(readFileSync(activationFile, "utf8"));
    expect(mode(onHost)).toBe("0600");
    // The code never shows in Ansible's output.
    expect(output).not.toContain(activation.activationCode);

    // Installed by install.sh --release under the root as the current release, which records the tarball's
    // SHA-256; the tarball stays on the host (0600). The config is written from the role's variables.
    const link = world.host.path("/usr/local/bin/ecs-anywhere-agent");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("../../../opt/ecs-anywhere-agent/current/dist/ecs-anywhere-agent.mjs");
    expect(readlinkSync(world.host.path("/opt/ecs-anywhere-agent/current"))).toBe("releases/0.1.0");
    expect(world.host.readFile("/opt/ecs-anywhere-agent/current/release.sha256")).toBe(`${sha256}\n`);
    const copied = world.host.path(`/var/lib/ecs-anywhere-agent-releases/${tarball.split("/").at(-1)}`);
    expect(readFileSync(copied)).toEqual(readFileSync(tarball));
    expect(mode(copied)).toBe("0600");
    expect(mode(world.host.path("/var/lib/ecs-anywhere-agent-releases"))).toBe("0700");
    expect(world.host.exists("/etc/systemd/system/ecs-anywhere-agent.service")).toBe(true);
    const config = world.host.path("/etc/ecs-anywhere-agent/config.yaml");
    expect(mode(config)).toBe("0600");
    expect(parse(readFileSync(config, "utf8"))).toEqual({
      region: REGION,
      cluster: CLUSTER,
      host: {
        installScript: {
          url: world.server.url,
          gpgKeyFile: world.keyFile,
          fingerprint: world.key.fingerprint,
        },
      },
    });

    // Registered in the cluster with that activation, which is deleted once used.
    expect(world.scriptRuns()).toBe(1);
    const instances = Object.values(world.emu.state.containerInstances) as { cluster?: string }[];
    expect(instances).toHaveLength(1);
    expect(world.host.introspection()?.Cluster).toBe(CLUSTER);
    expect(world.emu.state.activations[activation.activationId]).toBeUndefined();
    expect(world.host.unitState("ecs")).toMatchObject({ active: true });
    // The daemon enabled and started through systemctl (the fake one on PATH).
    expect(world.host.unitState("ecs-anywhere-agent")).toEqual({ active: true, enabled: true });
    expect(world.host.systemctlCalls()).toContain("enable ecs-anywhere-agent.service");
  });

  it("second run: every task ok or skipped, PLAY RECAP changed=0, no AWS change, no install script", ({
    skip,
  }) => {
    skip(unavailable !== undefined, unavailable);
    const output = second.stdout + second.stderr;
    expect(second.code, output).toBe(0);
    expect(recapOf(output)).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    const tasks = tasksOf(output);
    expect(tasks.get(TASKS.activation)).toBe("ok"); // `creates:` the controller's file
    expect(tasks.get(TASKS.tarball)).toBe("ok"); // the same content
    expect(tasks.get(TASKS.install)).toBe("ok"); // current/release.sha256 is the tarball's
    expect(tasks.get(TASKS.register)).toBe("ok"); // ran, and said already-registered
    expect(tasks.has(TASKS.restart)).toBe(false);
    for (const [name, result] of tasks) expect(["ok", "skipping"], name).toContain(result);
    expect(world.emu.mutatingCalls()).toEqual([]);
    expect(world.scriptRuns()).toBe(1);
    expect(Object.keys(world.emu.state.containerInstances)).toHaveLength(1);
  });

  it("a changed setting is a change: the config is rewritten, register applies it, the daemon restarts", async ({
    skip,
  }) => {
    skip(unavailable !== undefined, unavailable);
    world.emu.clearCalls();
    const settings = vars.ecs_anywhere_config as Record<string, Record<string, unknown>>;
    const third = await play({
      ecs_anywhere_config: { ...settings, host: { ...settings.host, ecsLogLevel: "debug" } },
    });
    const output = third.stdout + third.stderr;
    expect(third.code, output).toBe(0);
    const tasks = tasksOf(output);
    expect(tasks.get(TASKS.config)).toBe("changed");
    expect(tasks.get(TASKS.register)).toBe("changed");
    expect(tasks.get(TASKS.restart)).toBe("changed");
    expect(tasks.get(TASKS.install)).toBe("ok");
    expect(recapOf(output)).toMatchObject({ changed: 3, failed: 0 });
    expect(world.host.readFile("/etc/ecs/ecs.config")).toMatch(/^ECS_LOGLEVEL=debug$/m);
    expect(parse(world.host.readFile("/etc/ecs-anywhere-agent/config.yaml")).host.ecsLogLevel).toBe("debug");
    expect(world.host.systemctlCalls()).toContain("restart ecs-anywhere-agent.service");
    expect(world.scriptRuns()).toBe(1);
  }, 300_000);

  it("without a SHA-256, or with a wrong one, the play fails and installs nothing", async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    world.emu.clearCalls();
    const root = join(world.scratch, "other-host");
    mkdirSync(root);

    const missing = await play({ ecs_anywhere_root: root, ecs_anywhere_release_sha256: "" });
    const missingOutput = missing.stdout + missing.stderr;
    expect(missing.code, missingOutput).not.toBe(0);
    expect(tasksOf(missingOutput).get(TASKS.release)).toBe("fatal");
    expect(missingOutput).toContain("ecs_anywhere_release_sha256 (its SHA-256, 64 hex digits");
    expect(readdirSync(root)).toEqual([]);

    const wrong = createHash("sha256").update("another release").digest("hex");
    const refused = await play({ ecs_anywhere_root: root, ecs_anywhere_release_sha256: wrong });
    const output = refused.stdout + refused.stderr;
    expect(refused.code, output).not.toBe(0);
    expect(recapOf(output)).toMatchObject({ failed: 1 });
    const tasks = tasksOf(output);
    expect(tasks.get(TASKS.tarball)).toBe("changed");
    expect(tasks.get(TASKS.install)).toBe("fatal");
    expect(tasks.has(TASKS.config)).toBe(false);
    expect(output).toContain(
      `has SHA-256 ${sha256}, not ${wrong} (ecs_anywhere_release_sha256): refusing it`,
    );
    // Nothing installed, configured or registered; the refused tarball is gone again.
    expect(readdirSync(root)).toEqual(["var"]);
    expect(readdirSync(join(root, "var/lib/ecs-anywhere-agent-releases"))).toEqual([]);
    expect(world.emu.mutatingCalls()).toEqual([]);
  }, 300_000);
});
