// The agent's own SDK calls go to the endpoints of the config (field notes §10.11), with no AWS_ENDPOINT_URL set:
// one loopback TLS front per service, each forwarding to the emulator, counts the connections it gets. The config
// takes only https endpoints, so the fronts serve a throwaway certificate that the CLI process trusts through
// NODE_EXTRA_CA_CERTS (read by Node at start-up: hence a real process, the built bundle as operators run it).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { spawnBundle, TEST_ACCESS_KEY, TEST_SECRET_KEY } from "../support/cli.ts";

interface Front {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** A TLS listener on 127.0.0.1 that pipes every connection to `target` (the emulator's plain HTTP). */
async function tlsFront(target: string, key: Buffer, cert: Buffer): Promise<Front> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = tls.createServer({ key, cert }, (socket) => {
    connections += 1;
    const upstream = net.connect(Number(port), hostname);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${address.port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let dir: string;
let key: Buffer;
let cert: Buffer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsa-private-endpoints-"));
  // A self-signed certificate for the loopback address, valid for a day.
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
  ]);
  key = await readFile(join(dir, "key.pem"));
  cert = await readFile(join(dir, "cert.pem"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let emu: Emulator;
let fronts: Record<"ssm" | "sts" | "iam" | "ecs", Front>;
let config: string;
beforeEach(async () => {
  emu = await startEmulator();
  fronts = {
    ssm: await tlsFront(emu.url, key, cert),
    sts: await tlsFront(emu.url, key, cert),
    iam: await tlsFront(emu.url, key, cert),
    ecs: await tlsFront(emu.url, key, cert),
  };
  config = join(dir, "config.yaml");
  await writeFile(
    config,
    [
      "region: eu-west-1",
      "cluster: edge",
      "endpoints:",
      ...Object.entries(fronts).map(([service, front]) => `  ${service}: ${front.url}`),
      "",
    ].join("\n"),
  );
});
afterEach(async () => {
  for (const front of Object.values(fronts)) await front.close();
  await emu.stop();
});

/** The CLI as a real process with the emulator's credentials, the test CA and NO endpoint variable. */
async function agent(args: string[], extra: Record<string, string> = {}) {
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-aws-credentials"),
    AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY,
    NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"),
    ...extra,
  };
  return spawnBundle([...args, "--config", config, "--output", "json"], env);
}

describe("the agent's SDK calls with endpoints in the config", () => {
  it("go to the configured IAM, STS, ECS and SSM endpoints", async () => {
    const setup = await agent(["setup"]);
    expect(setup.stderr).toBe("");
    expect(setup.code).toBe(0);
    const created = await agent(["activation", "create"]);
    expect(created.code).toBe(0);
    const actions = emu.calls().map((call) => `${call.service}:${call.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "sts:GetCallerIdentity",
        "iam:CreateRole",
        "ecs:CreateCluster",
        "ssm:CreateActivation",
      ]),
    );
    for (const [service, front] of Object.entries(fronts)) {
      expect(front.connections(), `connections to the ${service} endpoint`).toBeGreaterThan(0);
    }
  });

  it("are what preflight probes, over TLS, and it passes naming them", async () => {
    const extra = ["ec2messages", "ssmmessages", "ecrApi", "s3"].map((k) => `  ${k}: ${fronts.ssm.url}`);
    await writeFile(config, `${await readFile(config, "utf8")}${extra.join("\n")}\n`);
    const root = await mkdtemp(join(dir, "root-"));
    const run = await agent(
      ["check", "--root", root, "--install-script-url", `${emu.url}/ecs-anywhere-install-latest.sh`],
      { ECS_ANYWHERE_PROBE_SIGNING_KEYS_URL: emu.url, ECS_ANYWHERE_PROBE_DOCKER_URL: emu.url },
    );
    const endpoints = JSON.parse(run.stdout).checks.find((c: { id: string }) => c.id === "endpoints");
    expect(endpoints).toMatchObject({ status: "ok" });
    expect(endpoints.summary).toMatch(
      /^reachable: ssm \(endpoints\.ssm\), ec2messages \(endpoints\.ec2messages\), ssmmessages \(endpoints\.ssmmessages\), ecs \(endpoints\.ecs\), ecr \(endpoints\.ecrApi\), s3 \(endpoints\.s3\), sts \(endpoints\.sts\), iam \(endpoints\.iam\), /,
    );
    expect(fronts.ecs.connections()).toBeGreaterThan(0);
  });

  it("lose to AWS_ENDPOINT_URL_<SERVICE> in the environment (environment > config file)", async () => {
    const run = await agent(["setup", "--dry-run"], { AWS_ENDPOINT_URL_STS: emu.url });
    expect(run.code).toBe(0);
    expect(emu.calls().map((call) => call.action)).toContain("GetCallerIdentity");
    expect(fronts.sts.connections()).toBe(0);
    // The other services still follow the config.
    expect(fronts.iam.connections()).toBeGreaterThan(0);
  });
});
