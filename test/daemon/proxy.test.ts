import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dockerDropIn } from "../../src/components/proxy/render.ts";
import { resolveProxy } from "../../src/components/proxy/settings.ts";
import { type DaemonWorld, ecsConfigText, loopFor, makeRegistered, startDaemonWorld } from "./harness.ts";

const PASSWORD = "daemon-proxy-pass-0001";
const PROXY = `http://agent:${PASSWORD}@proxy.example.net:3128`;
const DOCKER = "/etc/systemd/system/docker.service.d/http-proxy.conf";
const SSM = "/etc/systemd/system/amazon-ssm-agent.service.d/http-proxy.conf";
const never = new AbortController().signal;

let world: DaemonWorld;
let configFile: string;
const configure = (text: string) => writeFileSync(configFile, text);

beforeAll(async () => {
  configFile = join(mkdtempSync(join(tmpdir(), "daemon-proxy-")), "config.yaml");
  world = await startDaemonWorld({ ECS_ANYWHERE_CONFIG: configFile });
});
afterAll(() => world.stop());
beforeEach(() => {
  makeRegistered(world.host, new Date());
  for (const path of [DOCKER, SSM]) rmSync(world.host.path(path), { force: true });
});

const checkOf = (status: { checks: { name: string; status: string; message: string }[] }, name: string) =>
  status.checks.find((check) => check.name === name);

describe("the proxy probe and its repair", () => {
  it("a configured proxy missing from every consumer: warns, repairs all three, then passes", async () => {
    configure(`proxy:\n  https: ${PROXY}\n`);
    const { loop, logs } = await loopFor(world);
    const before = world.host.systemctlCalls().length;
    const first = await loop.pass(never);
    expect(checkOf(first, "proxy")).toMatchObject({ status: "warn" });
    expect(checkOf(first, "proxy")?.message).toContain(`${DOCKER} is missing`);
    expect(checkOf(first, "proxy")?.message).toContain("HTTP_PROXY, HTTPS_PROXY, NO_PROXY differ");
    expect(first.repairs.map((r) => [r.action, r.result])).toEqual([
      ["rewrite-ecs-config", "ok"],
      ["rewrite-proxy", "ok"],
    ]);
    expect(world.host.readFile(DOCKER)).toContain(`Environment="HTTPS_PROXY=${PROXY}"`);
    expect(world.host.readFile(SSM)).toContain(`Environment="https_proxy=${PROXY}"`);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(`HTTPS_PROXY=${PROXY}\n`);
    expect(
      world.host
        .systemctlCalls()
        .slice(before)
        .filter((c) => /^(daemon-reload|restart)/.test(c)),
    ).toEqual(["restart ecs", "daemon-reload", "restart docker", "restart amazon-ssm-agent"]);
    const next = await loop.pass(never);
    expect(checkOf(next, "proxy")).toMatchObject({ status: "ok" });
    expect(checkOf(next, "ecs-config")).toMatchObject({ status: "ok" });
    expect(next.repairs).toHaveLength(2); // the first pass's, kept; nothing new
    expect(JSON.stringify([first, next, logs])).not.toContain(PASSWORD);
  });

  it("drift in one drop-in: only that file is rewritten and only its unit restarted", async () => {
    configure(`proxy:\n  https: ${PROXY}\n`);
    const { loop, clock } = await loopFor(world);
    await loop.pass(never); // converges
    clock.advance(60_000); // past the repair's backoff
    world.host.writeFile(
      DOCKER,
      dockerDropIn(resolveProxy({}, { HTTPS_PROXY: "http://elsewhere:1" }) as never),
      0o644,
    );
    const before = world.host.systemctlCalls().length;
    const status = await loop.pass(never);
    expect(checkOf(status, "proxy")?.message).toBe(`${DOCKER} differs from the config's proxy`);
    expect(status.repairs.at(-1)).toMatchObject({ action: "rewrite-proxy", result: "ok" });
    expect(world.host.readFile(DOCKER)).toContain(PROXY);
    expect(
      world.host
        .systemctlCalls()
        .slice(before)
        .filter((c) => /^(daemon-reload|restart)/.test(c)),
    ).toEqual(["daemon-reload", "restart docker"]);
  });

  it("the proxy taken out of the config: keys and drop-ins go, the units restart, then ok", async () => {
    configure(`proxy:\n  https: ${PROXY}\n`);
    await (await loopFor(world)).loop.pass(never);
    expect(world.host.exists(DOCKER)).toBe(true);
    configure("");
    const { loop } = await loopFor(world);
    const status = await loop.pass(never);
    expect(checkOf(status, "proxy")?.message).toContain(
      `${DOCKER} still holds a proxy the config no longer has`,
    );
    expect(status.repairs.map((r) => [r.action, r.result])).toEqual([
      ["rewrite-ecs-config", "ok"],
      ["rewrite-proxy", "ok"],
    ]);
    expect(world.host.exists(DOCKER)).toBe(false);
    expect(world.host.exists(SSM)).toBe(false);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(ecsConfigText());
    const next = await loop.pass(never);
    expect(checkOf(next, "proxy")).toMatchObject({ status: "ok", message: "no proxy configured" });
  });

  it("leaves a proxy `register` took from its environment alone when the daemon's has none", async () => {
    configure("");
    const fromEnv = resolveProxy({}, { HTTPS_PROXY: "http://env-proxy:3128" });
    world.host.writeFile(DOCKER, dockerDropIn(fromEnv as never), 0o600);
    const { loop } = await loopFor(world);
    const status = await loop.pass(never);
    expect(checkOf(status, "proxy")).toMatchObject({ status: "ok" });
    expect(checkOf(status, "proxy")?.message).toMatch(/took from its environment is left as it is/);
    expect(status.repairs).toEqual([]);
    expect(world.host.exists(DOCKER)).toBe(true);
  });
});
