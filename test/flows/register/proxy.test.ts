import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunCommand, run as realRun } from "../../../src/adapters/host/exec.ts";
import { type CliResult, cli } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";
import { expectGolden } from "../../support/golden.ts";
import { expectNotPrinted, expectNotWritten, type NamedRun } from "../../support/secrets.ts";
import { expectJsonSuccess, startWorld, type World } from "./harness.ts";
import { filesUnder, snapshotTree } from "./inspect.ts";

// A password with an URL-encoded character: `%` must reach systemd as `%%` (field notes §10.3).
const PASSWORD = "S3cr%40t-proxy-pass";
const DECODED = "S3cr@t-proxy-pass";
const PROXY = `http://edge-user:${PASSWORD}@proxy.example.net:3128`;
// The AWS emulator of the test world is on 127.0.0.1: in noProxy, so the agent's own AWS calls reach it directly
// (the proxy hosts do not exist; test/proxy/tinyproxy.test.ts sends calls through a real proxy).
const CONFIG = `proxy:\n  https: ${PROXY}\n  noProxy:\n    - .corp.example\n    - 10.0.0.0/8\n    - 127.0.0.1\n`;
const OTHER = `proxy:\n  https: http://edge-user:${PASSWORD}@proxy2.example.net:8080\n  noProxy: [127.0.0.1]\n`;

const DOCKER = "/etc/systemd/system/docker.service.d/http-proxy.conf";
const SSM = "/etc/systemd/system/amazon-ssm-agent.service.d/http-proxy.conf";

let world: World;
const runs: NamedRun[] = [];
let configFile: string;
let first: CliResult;

async function register(name: string, config: string, more: string[] = []): Promise<CliResult> {
  const file = await world.operatorFile(`${name}.yaml`, config);
  const result = await world.register(["--config", file, "--output", "json", ...more]);
  runs.push({ name, result });
  return result;
}

/** The systemctl calls a step of `fn` made. */
async function callsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const before = world.host.systemctlCalls().length;
  await fn();
  return world.host.systemctlCalls().slice(before);
}

beforeAll(async () => {
  world = await startWorld();
  configFile = await world.operatorFile("proxy.yaml", CONFIG);
  first = await world.register(["--config", configFile, "--output", "json"]);
  runs.push({ name: "first register", result: first });
});
afterAll(() => world.stop());

describe("register with a proxy on a fresh host", () => {
  it("writes ecs.config's proxy keys and both drop-ins before the install script, 0600, as the golden files", () => {
    const report = expectJsonSuccess(first);
    const ids = report.steps.map((step: { id: string }) => step.id);
    expect(ids.indexOf("proxy")).toBeGreaterThan(ids.indexOf("ecs-config"));
    expect(ids.indexOf("proxy")).toBeLessThan(ids.indexOf("install-script"));
    expectGolden("proxy/etc-ecs-ecs.config", world.host.readFile("/etc/ecs/ecs.config"));
    expectGolden("proxy/docker.service.d-http-proxy.conf", world.host.readFile(DOCKER));
    expectGolden("proxy/amazon-ssm-agent.service.d-http-proxy.conf", world.host.readFile(SSM));
    for (const path of ["/etc/ecs/ecs.config", DOCKER, SSM]) {
      expect(statSync(world.host.path(path)).mode & 0o777, path).toBe(0o600);
    }
    // The folder holding a file with a secret is root's alone (config-files.ts).
    expect(statSync(world.host.path("/etc/ecs")).mode & 0o777).toBe(0o700);
  });

  it("reloaded systemd before the script started docker and the SSM agent (nothing ran yet to restart)", () => {
    const calls = world.host.systemctlCalls();
    const reload = calls.indexOf("daemon-reload");
    expect(reload).toBeGreaterThanOrEqual(0);
    expect(calls.slice(0, reload).some((call) => /^(start|restart|enable)/.test(call))).toBe(false);
    expect(calls).not.toContain("restart docker");
  });
});

describe("register again", () => {
  it("with the same proxy: the proxy step is ok, nothing reloaded or restarted, nothing rewritten", async () => {
    const before = snapshotTree(world.host.root);
    let again: CliResult | undefined;
    const calls = await callsDuring(async () => {
      again = await world.register(["--config", configFile, "--output", "json"]);
    });
    runs.push({ name: "same proxy", result: again as CliResult });
    const report = expectJsonSuccess(again as CliResult);
    expect(report.steps.find((step: { id: string }) => step.id === "proxy")).toMatchObject({ status: "ok" });
    expect(calls.filter((call) => /^(daemon-reload|restart)/.test(call))).toEqual([]);
    const after = snapshotTree(world.host.root);
    for (const path of [DOCKER, SSM, "/etc/ecs/ecs.config"])
      expect(after[path.slice(1)]).toEqual(before[path.slice(1)]);
  });

  it("--dry-run with another proxy: the plan shows the change, password masked, and nothing is written", async () => {
    const before = snapshotTree(world.host.root);
    const other = await world.operatorFile("other.yaml", OTHER);
    const dry = await world.register(["--config", other, "--dry-run"]);
    runs.push({ name: "dry run", result: dry });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`write ${DOCKER} (0600); daemon-reload, and restart docker if it runs`);
    expect(dry.stdout).toContain('+ Environment="HTTPS_PROXY=http://edge-user:****@proxy2.example.net:8080"');
    expect(dry.stdout).toContain("HTTPS_PROXY=http://edge-user:****@proxy2.example.net:8080");
    const after = snapshotTree(world.host.root);
    for (const path of [DOCKER, SSM, "/etc/ecs/ecs.config"])
      expect(after[path.slice(1)]).toEqual(before[path.slice(1)]);
  });

  it("with another proxy: rewrites all three, reloads once per drop-in and restarts docker, the SSM agent and ecs", async () => {
    let changed: CliResult | undefined;
    const calls = await callsDuring(async () => {
      changed = await register("other proxy", OTHER);
    });
    expectJsonSuccess(changed as CliResult);
    expect(world.host.readFile(DOCKER)).toContain("proxy2.example.net:8080");
    expect(world.host.readFile(SSM)).toContain("proxy2.example.net:8080");
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(
      "HTTP_PROXY=http://edge-user:S3cr%40t-proxy-pass@proxy2.example.net:8080\n",
    );
    expect(calls.filter((call) => /^(daemon-reload|restart)/.test(call))).toEqual([
      "daemon-reload",
      "restart docker",
      "daemon-reload",
      "restart amazon-ssm-agent",
      "restart ecs",
    ]);
  });

  it("without a proxy: the keys leave ecs.config, the drop-ins go, the units restart; a second run converged", async () => {
    const calls = await callsDuring(async () => {
      expectJsonSuccess(await register("no proxy", ""));
    });
    const ecsConfig = world.host.readFile("/etc/ecs/ecs.config");
    expect(ecsConfig).not.toMatch(/PROXY/);
    expect(ecsConfig).toContain("ECS_CLUSTER=edge\n");
    expect(world.host.exists(DOCKER)).toBe(false);
    expect(world.host.exists(SSM)).toBe(false);
    expect(calls.filter((call) => /^(daemon-reload|restart)/.test(call))).toEqual([
      "daemon-reload",
      "restart docker",
      "daemon-reload",
      "restart amazon-ssm-agent",
      "restart ecs",
    ]);
    const again = await callsDuring(async () => {
      const report = expectJsonSuccess(await register("no proxy again", ""));
      expect(report.steps.find((step: { id: string }) => step.id === "proxy")).toMatchObject({
        status: "ok",
      });
    });
    expect(again.filter((call) => /^(daemon-reload|restart)/.test(call))).toEqual([]);
  });

  it("leaves a hand-written HTTP_PROXY in ecs.config alone when the agent never set a proxy", async () => {
    const own = "HTTP_PROXY=http://theirs:1\nNO_PROXY=169.254.169.254,169.254.170.2,/var/run/docker.sock\n";
    world.host.writeFile("/etc/ecs/ecs.config", `${world.host.readFile("/etc/ecs/ecs.config")}${own}`, 0o600);
    expectJsonSuccess(await register("operator's own key", ""));
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(own);
  });
});

describe("bad proxy input", () => {
  it("is one line naming the setting, exit 2, and nothing written; the password never echoed", async () => {
    const before = snapshotTree(world.host.root);
    const bad = await world.operatorFile(
      "bad.yaml",
      `proxy:\n  https: https://edge-user:${PASSWORD}@proxy:3128\n`,
    );
    const fromFile = await world.register(["--config", bad]);
    const fromEnv = await world.register([], { HTTPS_PROXY: `socks5://edge-user:${PASSWORD}@proxy:1080` });
    for (const [name, result] of [
      ["bad proxy.https", fromFile],
      ["bad HTTPS_PROXY", fromEnv],
    ] as const) {
      runs.push({ name, result });
      expect(result.code, name).toBe(2);
      const errors = result.stderr.split("\n").filter((line) => line.startsWith("error"));
      expect(errors, name).toHaveLength(1);
    }
    expect(fromFile.stderr).toMatch(/proxy\.https: must be an http:\/\/ URL/);
    expect(fromEnv.stderr).toMatch(/HTTPS_PROXY \(the proxy fallback\): must be an http:\/\/ URL/);
    expect(snapshotTree(world.host.root)).toEqual(before);
  });
});

describe("the proxy password", () => {
  it("is never printed, in any run, in text or JSON, plans, `config validate` and `check` included", async () => {
    const validate = await world.cloud(["config", "validate", "--config", configFile]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("http://edge-user:****@proxy.example.net:3128");
    runs.push({ name: "config validate", result: validate });
    for (const output of ["text", "json"]) {
      runs.push({
        name: `check ${output}`,
        result: await world.agent(["check", "--config", configFile, "--output", output]),
      });
    }
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expectNotPrinted(runs, [PASSWORD, DECODED]);
  });

  it("is in no file but those its consumers read (logs, state and backups included)", () => {
    const consumers = new Set(["/etc/ecs/ecs.config", DOCKER, SSM].map((path) => path.slice(1)));
    const files = filesUnder(world.host.root).filter(
      ({ path }) => !consumers.has(path) && !path.startsWith("etc/ecs/ecs.config.bak."),
    );
    expect(files.length).toBeGreaterThan(5);
    expectNotWritten(files, [PASSWORD, DECODED]);
  });
});

describe("the install script's environment (field notes §10.6)", () => {
  it("carries the proxy in both cases, no_proxy with localhost first; nothing of the proxy is printed", async () => {
    const fresh = await startWorld();
    try {
      const seen: Record<string, string | undefined>[] = [];
      const recording: RunCommand = async (cmd, args, options) => {
        if (cmd === "bash") seen.push({ ...options.env });
        return realRun(cmd, args, options);
      };
      const file = await fresh.operatorFile("proxy.yaml", CONFIG);
      const result = await cli(
        [
          ...fresh.registerArgs(["--config", file, "--output", "json"]),
          "--root",
          fresh.host.root,
          "--ecs-agent-url",
          fresh.host.introspectionUrl,
        ],
        fresh.env,
        {
          clock: fakeClock(new Date()),
          host: { system: { uid: () => 0, freeBytes: async () => 50 * 2 ** 30 }, run: recording },
        },
      );
      expectJsonSuccess(result);
      expect(seen).toHaveLength(1);
      const noProxy =
        "localhost,127.0.0.1,169.254.169.254,169.254.170.2,/var/run/docker.sock,.corp.example,10.0.0.0/8";
      expect(seen[0]).toMatchObject({
        http_proxy: PROXY,
        https_proxy: PROXY,
        HTTP_PROXY: PROXY,
        HTTPS_PROXY: PROXY,
        no_proxy: noProxy,
        NO_PROXY: noProxy,
      });
      expectNotPrinted([{ name: "fresh register", result }], [PASSWORD, DECODED]);
    } finally {
      await fresh.stop();
    }
  });
});
