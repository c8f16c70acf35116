import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunCommand, run as realRun } from "../../src/adapters/host/exec.ts";
import { runCli } from "../../src/cli/main.ts";
import { startWorld, type World } from "../flows/register/harness.ts";
import { cli } from "../support/cli.ts";
import { fakeClock, manualClock } from "../support/clock.ts";
import { type ChildCall, startChildRecorder } from "./child-recorder.ts";
import { treeOf } from "./corpus.ts";
import { recordFigures } from "./figures.ts";

// The whole life of a host (setup, register, the daemon, deregister), with an activation code, an AWS secret
// key, a session token and a registry password planted, logs at their most verbose. Scanned: stdout and stderr of
// every run (plans, reports, error messages, the JSON log lines), the daemon's logs and its answers, every file
// under ROOT and in the operator's folder, and the argv and environment of every process the agent started.
// The only place a secret may appear is where it must be: the install script's --activation-code argument
// (its documented interface, field notes §1.7) and the files that hold it for the host (ecs.config for the
// registry password, 0600 in a 0700 folder; the SSM agent's own credentials file).

const ACCESS_KEY = "AKIAPLANTEDSCAN00000";
const PLANTED = {
  "AWS secret key": "PLANTEDsecretKEY0123456789abcdefghijklmno",
  "AWS session token": "PLANTEDsessionTOKEN0123456789abcdefghijklmno",
  "registry password": "PLANTEDregistryPASSWORD0123456789",
};
const codes: string[] = [];
/** The next just-in-time activation gets a planted code. */
function plantCode(): void {
  const code = `PLANTEDactivationCODE${codes.length}zzzzzzzzzz`;
  codes.push(code);
  world.emu.setNextActivationCode(code);
}

const AUTH = (password: string) =>
  `{"https://registry.example":{"username":"ci","password":"${password}","email":"ci@example.com"}}`;
const CONFIG = [
  "region: eu-west-1",
  "cluster: edge",
  "instanceRole:",
  "  selfObservation: true",
  "ecsConfig:",
  "  ECS_ENGINE_AUTH_TYPE: dockercfg",
  `  ECS_ENGINE_AUTH_DATA: '${AUTH(PLANTED["registry password"])}'`,
  "health:",
  "  controlPlane: true",
  "",
].join("\n");

let world: World;
const recorder = startChildRecorder();
/** Everything the agent said: [where, text]. */
const said: [string, string][] = [];
let configFile: string;
let env: Record<string, string | undefined>;
/** Files under ROOT as they were before deregister removed some. */
let hostFilesBeforeDeregister: Record<string, string> = {};
let exits: [string, number][] = [];

/**
 * The commands the agent ran, as its exec adapter was asked (a cross-check: each must show up in the recorder,
 * so a command the recorder does not stand in for cannot slip past the scan).
 */
const adapterCalls: string[] = [];
const host = {
  system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 },
  run: ((cmd, args, options) => {
    adapterCalls.push(basename(cmd));
    return realRun(cmd, args, options);
  }) satisfies RunCommand,
};

async function run(name: string, args: string[], extra: Record<string, string | undefined> = {}) {
  const result = await cli(
    [...args, "--log-level", "trace"],
    { ...env, ...extra },
    { clock: fakeClock(new Date()), host },
  );
  said.push([`${name}: stdout`, result.stdout], [`${name}: stderr`, result.stderr]);
  exits.push([name, result.code]);
  return result;
}
const onHost = (args: string[]) => [
  ...args,
  "--root",
  world.host.root,
  "--ecs-agent-url",
  world.host.introspectionUrl,
];

beforeAll(async () => {
  world = await startWorld({
    // The operator's planted key, and the instance role's as the fake SSM agent writes it (control-plane checks).
    emulator: {
      credentials: { [ACCESS_KEY]: PLANTED["AWS secret key"], ASIAFAKEWORLD0000000: "fake-world-secret" },
    },
  });
  configFile = join(world.scratch, "config.yaml");
  writeFileSync(configFile, CONFIG, { mode: 0o600 });
  env = {
    ...world.env,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: PLANTED["AWS secret key"],
    AWS_SESSION_TOKEN: PLANTED["AWS session token"],
    ECS_ANYWHERE_CONFIG: configFile,
    PATH: recorder.pathWith(world.env.PATH ?? ""),
  };
  exits = [];

  await run("config validate", ["config", "validate"]);
  await run("config validate (json)", ["config", "validate", "--output", "json"]);
  await run("setup --dry-run", ["setup", "--dry-run"]);
  await run("setup", ["setup"]);
  await run("setup (json)", ["setup", "--output", "json"]);
  // A secret key that does not sign: the SDK's error must not echo it.
  await run("setup with a wrong secret key", ["setup"], {
    AWS_SECRET_ACCESS_KEY: `${PLANTED["AWS secret key"]}x`,
  });
  await run("check", onHost(["check", "--skip", "root", "--install-script-url", world.server.url]));
  await run("register --dry-run", onHost(world.registerArgs(["--dry-run"])));
  plantCode();
  await run("register, the script failing", onHost(world.registerArgs()), { FAKE_INSTALL_EXIT: "1" });
  plantCode();
  // A careless script that prints the code it was given: the agent masks it in what it shows and keeps.
  await run("register", onHost(world.registerArgs()), { FAKE_INSTALL_ECHO_CODE: "1" });
  await run("register again (json)", onHost(world.registerArgs(["--output", "json"])));
  await run("status, probing (json)", onHost(["status", "--no-daemon", "--output", "json"]));
  await daemonLife();
  hostFilesBeforeDeregister = treeOf(world.host.root);
  keepHostFiles("before deregister");
  world.emu.deny("ssm:DeregisterManagedInstance");
  await run("deregister, SSM refusing", onHost(["deregister"]));
  world.emu.allow("ssm:DeregisterManagedInstance");
  await run("deregister --dry-run", onHost(["deregister", "--dry-run"]));
  await run("deregister (json)", onHost(["deregister", "--output", "json"]));
  keepHostFiles("at the end");
}, 120_000);

afterAll(async () => {
  const hits = countHits();
  recordFigures({
    suite: "secret-scan",
    figures: { secret_scan_hits: hits },
    failures: hits === 0 ? [] : [`${hits} planted secrets found`],
  });
  recorder.stop();
  await world?.stop();
});

/** The daemon in-process on a manual clock: serves, repairs a drift, survives a broken reload, stops. */
async function daemonLife(): Promise<void> {
  const clock = manualClock(new Date());
  const controller = new AbortController();
  let reload: (() => void) | undefined;
  let out = "";
  let err = "";
  const exit = runCli(onHost(["daemon", "--listen", "127.0.0.1:0"]), {
    env: { ...env, ECS_ANYWHERE_LOG_LEVEL: "trace" },
    clock,
    signal: controller.signal,
    onReload: (listener) => {
      reload = listener;
      return () => {
        reload = undefined;
      };
    },
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    host,
  });
  const logs = () =>
    err
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitFor = async (message: string) => {
    for (let i = 0; i < 1000 && !logs().some((entry) => entry.msg === message); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const found = logs().find((entry) => entry.msg === message);
    if (found === undefined) throw new Error(`the daemon never logged "${message}":\n${err}`);
    return found;
  };
  try {
    const url = `http://${String((await waitFor("serving")).listen)}`;
    const scrape = async (label: string) => {
      for (const path of ["/livez", "/readyz", "/status", "/metrics"]) {
        said.push([`daemon ${path} (${label})`, await (await fetch(`${url}${path}`)).text()]);
      }
    };
    const passes = async () => ((await (await fetch(`${url}/status`)).json()) as { passes: number }).passes;
    const nextPass = async () => {
      const before = await passes();
      for (let i = 0; i < 500 && clock.sleepers() === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await clock.advance(20_000);
      for (let i = 0; i < 1000 && (await passes()) === before; i++)
        await new Promise((r) => setTimeout(r, 5));
    };
    await scrape("first pass");
    // The registry credentials changed behind the daemon's back: it rewrites ecs.config (and keeps a backup).
    const etc = world.host.path("/etc/ecs/ecs.config");
    writeFileSync(
      etc,
      readFileSync(etc, "utf8").replace(PLANTED["registry password"], `${PLANTED["registry password"]}-old`),
    );
    await nextPass();
    await scrape("after a repair");
    // A reload with a broken value holding the password: refused, logged, the old config kept.
    writeFileSync(
      configFile,
      CONFIG.replace(`'${AUTH(PLANTED["registry password"])}'`, `' ${AUTH(PLANTED["registry password"])}'`),
    );
    reload?.();
    await waitFor("config reload failed: keeping the running config");
    writeFileSync(configFile, CONFIG);
    const { port } = new URL(url);
    await run("status, asking the daemon", onHost(["status", "--listen", `127.0.0.1:${port}`]));
    exits.push(["daemon repaired the drift", repairedDrift(logs()) ? 0 : 1]);
  } finally {
    controller.abort("SIGTERM");
    exits.push(["daemon", await exit]);
    said.push(["daemon: stdout", out], ["daemon: stderr", err]);
  }
}

function repairedDrift(logs: Record<string, unknown>[]): boolean {
  return JSON.stringify(logs).includes("rewrite-ecs-config");
}

/** Every file under ROOT with its text, as it was before deregister and at the end. */
const hostFiles: { path: string; when: string; text: string }[] = [];
function keepHostFiles(when: string): void {
  for (const [path, kind] of Object.entries(treeOf(world.host.root))) {
    if (kind.startsWith("file ")) {
      hostFiles.push({ path, when, text: readFileSync(join(world.host.root, path), "latin1") });
    }
  }
}
/** A file's text before deregister (the host fully set up). */
const hostText = (path: string) =>
  hostFiles.find((file) => file.path === path && file.when === "before deregister")?.text;

/** Every secret the scan looks for: the planted ones, and the instance role's as the SSM agent wrote them. */
function secrets(): [string, string][] {
  const credentials = hostText("root/.aws/credentials") ?? "";
  const instance = ["aws_secret_access_key", "aws_session_token"].flatMap((name) => {
    const value = new RegExp(`^${name}\\s*=\\s*(\\S+)`, "m").exec(credentials)?.[1];
    return value === undefined ? [] : [[`instance role ${name}`, value] as [string, string]];
  });
  return [
    ...Object.entries(PLANTED),
    ...codes.map((code, i): [string, string] => [`activation code ${i}`, code]),
    ...instance,
  ];
}

/** Where a secret is allowed: the files that hold it for the host. */
function allowedHolder(path: string, secret: string): boolean {
  if (secret === "registry password") return /^etc\/ecs\/ecs\.config(\.bak\.[^/]+)?$/.test(path);
  if (secret.startsWith("instance role")) return path === "root/.aws/credentials";
  return false;
}

/** The install script's argv with its documented --activation-code value left out. */
function withoutDocumentedCode(call: ChildCall): string[] {
  const isScript = call.command === "bash" && /ecs-anywhere-install\.sh$/.test(call.args[0] ?? "");
  if (!isScript) return call.args;
  const at = call.args.indexOf("--activation-code");
  return at < 0 ? call.args : [...call.args.slice(0, at + 1), ...call.args.slice(at + 2)];
}

interface Hit {
  where: string;
  secret: string;
  count: number;
}

function scan(): Hit[] {
  const hits: Hit[] = [];
  const look = (where: string, text: string, allowed: (secret: string) => boolean = () => false) => {
    for (const [secret, value] of secrets()) {
      const count = text.split(value).length - 1;
      if (count > 0 && !allowed(secret)) hits.push({ where, secret, count });
    }
  };
  for (const [where, text] of said) look(where, text);
  for (const { path, when, text } of hostFiles) {
    look(`ROOT/${path} (${when})`, text, (secret) => allowedHolder(path, secret));
  }
  for (const [path, kind] of Object.entries(treeOf(world.scratch))) {
    if (kind.startsWith("file ") && join(world.scratch, path) !== configFile) {
      look(`operator/${path}`, readFileSync(join(world.scratch, path), "latin1"));
    }
  }
  for (const call of recorder.calls()) {
    look(`${call.command} argv`, withoutDocumentedCode(call).join(" "));
    look(`${call.command} environment`, call.env.join("\n"));
  }
  return hits;
}

function countHits(): number {
  return world === undefined ? -1 : scan().reduce((sum, hit) => sum + hit.count, 0);
}

describe("the planted secrets through a host's whole life", () => {
  it("ran every step the scan depends on, and the secrets really travelled", () => {
    expect(exits).toEqual([
      ["config validate", 0],
      ["config validate (json)", 0],
      ["setup --dry-run", 0],
      ["setup", 0],
      ["setup (json)", 0],
      ["setup with a wrong secret key", 1],
      ["check", 0],
      ["register --dry-run", 0],
      ["register, the script failing", 1],
      ["register", 0],
      ["register again (json)", 0],
      ["status, probing (json)", 0],
      ["status, asking the daemon", 0],
      ["daemon repaired the drift", 0],
      ["daemon", 0],
      ["deregister, SSM refusing", 1],
      ["deregister --dry-run", 0],
      ["deregister (json)", 0],
    ]);
    // Both just-in-time codes went to the install script, as its documented argument, and nowhere else.
    const scripts = recorder.calls().filter((call) => withoutDocumentedCode(call) !== call.args);
    expect(scripts.map((call) => call.args[call.args.indexOf("--activation-code") + 1]).sort()).toEqual(
      codes,
    );
    // The registry password reached ecs.config, and the daemon's repair kept the drifted one as a backup.
    expect(hostText("etc/ecs/ecs.config")).toContain(PLANTED["registry password"]);
    expect(hostFiles.some(({ path }) => /^etc\/ecs\/ecs\.config\.bak\./.test(path))).toBe(true);
    // The logs were there to scan, down to debug level (nothing logs at trace).
    const logLines = said.flatMap(([, text]) =>
      text.split("\n").filter((line) => line.startsWith('{"level":')),
    );
    expect(logLines.filter((line) => line.startsWith('{"level":"debug"')).length).toBeGreaterThan(20);
  });

  it("recorded every process the agent started, each a direct child of the agent", () => {
    const calls = recorder.calls();
    expect(new Set(calls.map((call) => call.command))).toEqual(
      new Set(["bash", "systemctl", "amazon-ssm-agent", "gpg"]),
    );
    expect(calls.filter((call) => call.ppid !== process.pid)).toEqual([]);
    const count = (names: string[]) => {
      const counts: Record<string, number> = {};
      for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
      return counts;
    };
    expect(count(calls.map((call) => call.command))).toEqual(count(adapterCalls));
  });

  it("shows no secret anywhere: outputs, logs, errors, answers, files, children's argv and environment", () => {
    expect(scan()).toEqual([]);
  });

  it("finds each kind of secret where it is allowed, so the scan can see what it looks for", () => {
    const found = (text: string) =>
      secrets()
        .filter(([, value]) => text.includes(value))
        .map(([name]) => name);
    const scriptArgs = recorder
      .calls()
      .filter((call) => withoutDocumentedCode(call) !== call.args)
      .map((call) => call.args.join(" "))
      .join("\n");
    expect(found(scriptArgs)).toEqual(expect.arrayContaining(["activation code 0", "activation code 1"]));
    expect(found(hostText("etc/ecs/ecs.config") ?? "")).toEqual(["registry password"]);
    expect(found(hostText("root/.aws/credentials") ?? "")).toEqual([
      "instance role aws_secret_access_key",
      "instance role aws_session_token",
    ]);
    // The operator's key and token were in the environment of every run (and so of the SDK that signed).
    expect(env.AWS_SECRET_ACCESS_KEY).toBe(PLANTED["AWS secret key"]);
    expect(env.AWS_SESSION_TOKEN).toBe(PLANTED["AWS session token"]);
  });

  it("keeps the files holding a secret at 0600 in 0700 folders", () => {
    // As the host was before deregister (which removes some of them).
    const tree = hostFilesBeforeDeregister;
    const holders = Object.keys(tree).filter((path) =>
      secrets().some(([name, value]) => allowedHolder(path, name) && hostText(path)?.includes(value)),
    );
    expect(holders).toEqual(expect.arrayContaining(["etc/ecs/ecs.config", "root/.aws/credentials"]));
    // The agent's files (ecs.config and its backups); the SSM agent's credentials file is the fixture's.
    const agents = holders.filter((path) => path !== "root/.aws/credentials");
    const modes = agents.map((path) => [path, modeOf(tree[path]), modeOf(tree[dirname(path)])]);
    expect(modes).toEqual(agents.map((path) => [path, "600", "700"]));
    expect(modeOf(tree["root/.aws/credentials"])).toBe("600");
    // The agent's own folders (state, install logs) and its state file are private as well.
    for (const path of ["var/lib/ecs-anywhere-agent", "var/log/ecs-anywhere-agent"]) {
      expect(modeOf(tree[path]), path).toBe("700");
    }
    expect(modeOf(tree["var/lib/ecs-anywhere-agent/state.json"])).toBe("600");
  });
});

/** The permission bits of a treeOf entry ("file 600 0 <hash>" -> "600"). */
function modeOf(entry: string | undefined): string | undefined {
  return entry?.split(" ")[1];
}
