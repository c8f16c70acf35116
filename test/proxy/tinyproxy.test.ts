/**
 * The agent's own AWS calls through a real HTTP proxy (field notes §10.7): Debian's tinyproxy on loopback, started
 * by this test with a generated config, and the AWS emulator reachable ONLY through it.
 *
 * "Only through it", without root or a firewall: tinyproxy binds every outgoing connection to 127.0.0.3 (its `Bind`
 * directive; all of 127.0.0.0/8 is the loopback on Linux), and the emulator resets every connection that does not
 * come from 127.0.0.3 (its `peers` option), before reading a byte. A direct call from the agent comes from
 * 127.0.0.1 and fails; the proxied one succeeds; tinyproxy's own log shows each CONNECT it tunnelled.
 *
 * tinyproxy's BasicAuth makes the credentials in the proxy URL matter: a wrong password gets 407, and the right one
 * is never printed.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { probeDate, probeReachable } from "../../src/adapters/host/http-probe.ts";
import { MANDATORY_NO_PROXY } from "../../src/components/proxy/settings.ts";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { type CliResult, cli, emulatorEnv, spawnSource } from "../support/cli.ts";
import { expectNotPrinted, type NamedRun } from "../support/secrets.ts";

const PROXY_SOURCE = "127.0.0.3";
const USER = "edge-user";
// tinyproxy's config accepts only [-a-z0-9._] in BasicAuth credentials.
const PASSWORD = "tinyproxy-pass-0042";

const available = spawnSync("tinyproxy", ["-v"], { encoding: "utf8" }).status === 0;

let dir: string;
let emu: Emulator;
let proxy: ChildProcess | undefined;
let proxyPort = 0;
let logFile: string;
const runs: NamedRun[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts connections on 127.0.0.1:port (real time, bounded). */
async function listening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error("tinyproxy did not start listening");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

const proxyUrl = (password = PASSWORD) => `http://${USER}:${password}@127.0.0.1:${proxyPort}`;

/**
 * `setup --dry-run` with `config` as its config file: read-only calls to STS, IAM, ECS and SSM, one attempt each
 * so a failure is quick. In-process, or as a real process (`spawned`). Every run is kept for the secrets check.
 */
async function setupDryRun(
  name: string,
  config: string,
  { env = emulatorEnv(emu.url), spawned = false }: { env?: Record<string, string>; spawned?: boolean } = {},
): Promise<CliResult> {
  const argv = ["setup", "--cluster", "edge", "--dry-run", "--output", "json", "--max-attempts", "1"];
  argv.push("--config", configFile(`${name}.yaml`, config));
  const result = spawned ? await spawnSource(argv, env) : await cli(argv, env);
  runs.push({ name, result });
  return result;
}

const connects = () =>
  readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => /CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1/.test(line));

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), "tinyproxy-"));
  logFile = join(dir, "tinyproxy.log");
  emu = await startEmulator({ clusters: [{ name: "edge", region: "eu-west-1" }], peers: [PROXY_SOURCE] });
  proxyPort = await freePort(); // tinyproxy cannot listen on port 0
  const conf = configFile(
    "tinyproxy.conf",
    [
      `Port ${proxyPort}`,
      "Listen 127.0.0.1",
      `Bind ${PROXY_SOURCE}`,
      "Timeout 30",
      `LogFile "${logFile}"`,
      "LogLevel Info",
      "MaxClients 20",
      "Allow 127.0.0.1",
      `BasicAuth ${USER} ${PASSWORD}`,
      "",
    ].join("\n"),
  );
  proxy = spawn("tinyproxy", ["-d", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  await listening(proxyPort, proxy);
});

afterAll(async () => {
  if (proxy?.pid !== undefined && proxy.exitCode === null) proxy.kill("SIGTERM");
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the agent's AWS calls through tinyproxy", () => {
  beforeEach((ctx) => {
    ctx.skip(
      !available,
      "tinyproxy is not installed (apt-get install tinyproxy): the real proxy was not tried",
    );
  });

  it("a direct call cannot reach the emulator; through the proxy the same command succeeds", async () => {
    const direct = await setupDryRun("direct", "");
    expect(direct.code).toBe(1);
    expect(emu.calls()).toEqual([]); // reset before a byte was read: nothing reached the emulator

    const before = connects().length;
    const proxied = await setupDryRun("proxied", `proxy:\n  https: ${proxyUrl()}\n`);
    expect(proxied.stderr).toBe("");
    expect(proxied.code).toBe(0);
    const services = new Set(emu.calls().map((call) => call.service));
    expect([...services].sort()).toEqual(expect.arrayContaining(["ecs", "iam", "sts"]));
    // tinyproxy's own word: one CONNECT per connection it tunnelled, to the emulator's address.
    const port = new URL(emu.url).port;
    const tunnelled = connects().slice(before);
    expect(tunnelled.length).toBeGreaterThan(0);
    for (const line of tunnelled) expect(line).toContain(`CONNECT 127.0.0.1:${port} HTTP/1.1`);
  });

  it("HTTPS_PROXY of the environment is the fallback when the config has no proxy section", async () => {
    emu.clearCalls();
    const result = await setupDryRun("environment", "", {
      env: emulatorEnv(emu.url, { HTTPS_PROXY: proxyUrl(), HTTP_PROXY: proxyUrl() }),
    });
    expect(result.code).toBe(0);
    expect(emu.calls().length).toBeGreaterThan(0);
  });

  it("a host in noProxy is called directly (and so fails here)", async () => {
    const before = connects().length;
    const bypassed = await setupDryRun("noProxy", `proxy:\n  https: ${proxyUrl()}\n  noProxy: [127.0.0.1]\n`);
    expect(bypassed.code).toBe(1);
    expect(connects().length).toBe(before);
  });

  it("a wrong password: tinyproxy refuses the CONNECT, the error names the proxy by host and port only", async () => {
    const wrong = await setupDryRun("wrong password", `proxy:\n  https: ${proxyUrl("not-the-password-1")}\n`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`proxy 127.0.0.1:${proxyPort} refused CONNECT`);
    // tinyproxy answers a CONNECT with wrong credentials 401 (not 407, as RFC 9110 would have it).
    expect(wrong.stderr).toContain("HTTP/1.0 401 Unauthorized (the proxy wants other credentials");
    expectNotPrinted([{ name: "wrong password", result: wrong }], ["not-the-password-1"]);
  });

  it("HTTPS inside the tunnel: a real process trusting a test CA, through tinyproxy, to a TLS front of the emulator", async () => {
    const key = join(dir, "front.key");
    const cert = join(dir, "front.crt");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    // The front, too, takes connections only from tinyproxy's address, and reaches the emulator from it.
    const emuPort = Number(new URL(emu.url).port);
    const front: Server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => {
      const upstream = connect({ port: emuPort, host: "127.0.0.1", localAddress: PROXY_SOURCE });
      socket.pipe(upstream).pipe(socket);
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    front.on("connection", (socket) => {
      if (socket.remoteAddress !== PROXY_SOURCE) socket.destroy();
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const frontUrl = `https://127.0.0.1:${(front.address() as { port: number }).port}`;
    try {
      emu.clearCalls();
      const before = connects().length;
      const result = await setupDryRun("tls", `proxy:\n  https: ${proxyUrl()}\n`, {
        env: { ...emulatorEnv(frontUrl), NODE_EXTRA_CA_CERTS: cert },
        spawned: true,
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(emu.calls().length).toBeGreaterThan(0);
      const frontPort = new URL(frontUrl).port;
      expect(
        connects()
          .slice(before)
          .every((line) => line.includes(`CONNECT 127.0.0.1:${frontPort} `)),
      ).toBe(true);
      expect(connects().length).toBeGreaterThan(before);
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  }, 60_000);

  it("preflight's probes (endpoints, clock skew) go through the proxy too", async () => {
    const route = { http: proxyUrl(), https: proxyUrl(), noProxy: [...MANDATORY_NO_PROXY] };
    const direct = await probeReachable(emu.url, 5_000);
    expect(direct.ok).toBe(false);
    const before = connects().length;
    expect(await probeReachable(emu.url, 5_000, route)).toMatchObject({ ok: true });
    const date = await probeDate(emu.url, 5_000, route);
    expect(date.ok).toBe(true);
    expect(connects().length).toBe(before + 2);
  });

  it("never prints the proxy password", () => {
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expectNotPrinted(runs, [PASSWORD, `${USER}:${PASSWORD}`]);
  });
});
