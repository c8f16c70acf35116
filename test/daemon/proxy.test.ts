import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dockerDropIn, ssmDropIn } from "../../src/components/proxy/render.ts";
import { resolveProxy } from "../../src/components/proxy/settings.ts";
import {
  type ConfigurableWorld,
  configFromSchema,
  ecsConfigText,
  loopFor,
  makeRegistered,
  startConfigurableWorld,
} from "./harness.ts";

const PASSWORD = "daemon-proxy-pass-0001";
const PROXY = `http://agent:${PASSWORD}@proxy.example.net:3128`;
const DOCKER = "/etc/systemd/system/docker.service.d/http-proxy.conf";
const SSM = "/etc/systemd/system/amazon-ssm-agent.service.d/http-proxy.conf";
const never = new AbortController().signal;

let world: ConfigurableWorld;
const configure = (text: string) => world.configure(text);

beforeAll(async () => {
  world = await startConfigurableWorld();
});
afterAll(() => world.stop());
beforeEach(() => {
  makeRegistered(world.host, new Date());
  for (const path of [DOCKER, SSM]) rmSync(world.host.path(path), { force: true });
});

/** The proxy of `proxy: {https: PROXY}`, as `register` renders it into the drop-ins. */
const configured = () => resolveProxy(configFromSchema({ proxy: { https: PROXY } }), {}) as never;
/** What `register` leaves once it converged the drop-ins for PROXY. */
const registerWritesDropIns = () => {
  world.host.writeFile(DOCKER, dockerDropIn(configured()), 0o600);
  world.host.writeFile(SSM, ssmDropIn(configured(), "amazon-ssm-agent"), 0o600);
};
/** daemon-reload and restarts since call number `from`. */
const reloadsAndRestarts = (from: number) =>
  world.host
    .systemctlCalls()
    .slice(from)
    .filter((c) => /^(daemon-reload|restart)/.test(c));
const REGISTER_FIXES = "(`ecs-anywhere-agent register` rewrites the drop-ins)";

const checkOf = (
  status: { checks: { name: string; status: string; message: string; remediation?: string }[] },
  name: string,
) => status.checks.find((check) => check.name === name);

/** A host `register` and one daemon pass converged on PROXY, then `drift`: one pass of a new loop over it. */
async function passAfterDrift(drift: () => void) {
  configure(`proxy:\n  https: ${PROXY}\n`);
  registerWritesDropIns();
  await (await loopFor(world)).loop.pass(never);
  drift();
  const { loop } = await loopFor(world);
  const before = world.host.systemctlCalls().length;
  const status = await loop.pass(never);
  return { loop, status, restarts: reloadsAndRestarts(before) };
}

/** Which of the two checks that look at the proxy's files are not ok, by name. */
const proxyChecksNotOk = (status: { checks: { name: string; status: string }[] }) =>
  status.checks
    .filter((check) => ["ecs-config", "proxy"].includes(check.name) && check.status !== "ok")
    .map((check) => check.name);

describe("the proxy probe reports the drop-ins; ecs.config's proxy keys are the ecs-config probe's", () => {
  it("a configured proxy missing from every consumer: warns, rewrites ecs.config's keys, never writes a drop-in", async () => {
    configure(`proxy:\n  https: ${PROXY}\n`);
    const { loop, logs } = await loopFor(world);
    const before = world.host.systemctlCalls().length;
    const first = await loop.pass(never);
    expect(checkOf(first, "proxy")).toMatchObject({
      status: "warn",
      message: `${DOCKER} is missing; ${SSM} is missing ${REGISTER_FIXES}`,
      remediation:
        "run `ecs-anywhere-agent register` (it reloads systemd and restarts the units whose drop-in changed)",
    });
    expect(checkOf(first, "ecs-config")?.message).toMatch(
      /^drift in \/etc\/ecs\/ecs\.config: .*added HTTP_PROXY=.*added HTTPS_PROXY=.*added NO_PROXY=/,
    );
    expect(first.repairs.map((r) => [r.action, r.result])).toEqual([["rewrite-ecs-config", "ok"]]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toContain(`HTTPS_PROXY=${PROXY}\n`);
    expect(world.host.exists(DOCKER)).toBe(false);
    expect(world.host.exists(SSM)).toBe(false);
    expect(reloadsAndRestarts(before)).toEqual(["restart ecs"]);

    // ecs.config is converged; the drop-ins stay missing, and reported, until `register` writes them.
    const next = await loop.pass(never);
    expect(checkOf(next, "ecs-config")).toMatchObject({ status: "ok" });
    expect(checkOf(next, "proxy")).toMatchObject({
      status: "warn",
      message: `${DOCKER} is missing; ${SSM} is missing ${REGISTER_FIXES}`,
      remediation:
        "run `ecs-anywhere-agent register` (it reloads systemd and restarts the units whose drop-in changed)",
    });
    expect(next.repairs).toHaveLength(1); // the first pass's, kept; nothing new
    registerWritesDropIns();
    expect(checkOf(await loop.pass(never), "proxy")).toMatchObject({ status: "ok" });
    expect(JSON.stringify([first, next, logs])).not.toContain(PASSWORD);
  });

  it("drift in one drop-in: the proxy probe alone warns, with the fix; the file and the units left alone", async () => {
    const elsewhere = dockerDropIn(resolveProxy({}, { HTTPS_PROXY: "http://elsewhere:1" }) as never);
    const { status, restarts } = await passAfterDrift(() => world.host.writeFile(DOCKER, elsewhere, 0o644));
    expect(proxyChecksNotOk(status)).toEqual(["proxy"]);
    expect(checkOf(status, "proxy")).toMatchObject({
      status: "warn",
      message: `${DOCKER} differs from the config's proxy ${REGISTER_FIXES}`,
    });
    expect(status.repairs).toEqual([]);
    expect(world.host.readFile(DOCKER)).toBe(elsewhere);
    expect(restarts).toEqual([]);
  });

  it("a drifted HTTPS_PROXY in ecs.config: one warning (ecs-config) and one repair, the proxy probe ok", async () => {
    let converged = "";
    const { loop, status, restarts } = await passAfterDrift(() => {
      converged = world.host.readFile("/etc/ecs/ecs.config");
      const drifted = converged.replace(/^HTTPS_PROXY=.*$/m, "HTTPS_PROXY=http://elsewhere:1");
      world.host.writeFile("/etc/ecs/ecs.config", drifted, 0o600);
    });
    expect(proxyChecksNotOk(status)).toEqual(["ecs-config"]);
    expect(checkOf(status, "ecs-config")).toMatchObject({
      status: "warn",
      message: expect.stringMatching(
        /^drift in \/etc\/ecs\/ecs\.config: changed HTTPS_PROXY from http:\/\/elsewhere:1 to /,
      ),
    });
    expect(checkOf(status, "proxy")).toMatchObject({
      status: "ok",
      message: "docker and the SSM agent (amazon-ssm-agent) use the configured proxy",
    });
    expect(status.repairs.map((r) => [r.action, r.result])).toEqual([["rewrite-ecs-config", "ok"]]);
    expect(restarts).toEqual(["restart ecs"]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(converged);
    expect(proxyChecksNotOk(await loop.pass(never))).toEqual([]);
    expect(JSON.stringify(status)).not.toContain(PASSWORD);
  });

  it("the proxy taken out of the config: the keys leave ecs.config, the drop-ins stay reported until register", async () => {
    configure(`proxy:\n  https: ${PROXY}\n`);
    registerWritesDropIns();
    await (await loopFor(world)).loop.pass(never);
    configure("");
    const { loop } = await loopFor(world);
    const status = await loop.pass(never);
    expect(checkOf(status, "proxy")).toMatchObject({
      status: "warn",
      message: `${DOCKER} still holds a proxy the config no longer has; ${SSM} still holds a proxy the config no longer has ${REGISTER_FIXES}`,
    });
    expect(checkOf(status, "ecs-config")).toMatchObject({
      status: "warn",
      message: expect.stringMatching(/^drift in \/etc\/ecs\/ecs\.config: .*removed HTTPS_PROXY/),
    });
    expect(status.repairs.map((r) => [r.action, r.result])).toEqual([["rewrite-ecs-config", "ok"]]);
    expect(world.host.readFile("/etc/ecs/ecs.config")).toBe(ecsConfigText());
    expect(world.host.exists(DOCKER)).toBe(true);
    expect(world.host.exists(SSM)).toBe(true);
    const next = await loop.pass(never);
    expect(checkOf(next, "ecs-config")).toMatchObject({ status: "ok" });
    expect(checkOf(next, "proxy")).toMatchObject({
      status: "warn",
      message: `${DOCKER} still holds a proxy the config no longer has; ${SSM} still holds a proxy the config no longer has ${REGISTER_FIXES}`,
    });
    // What `register` does once `proxy:` is gone.
    for (const path of [DOCKER, SSM]) rmSync(world.host.path(path));
    expect(checkOf(await loop.pass(never), "proxy")).toMatchObject({
      status: "ok",
      message: "no proxy configured",
    });
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
