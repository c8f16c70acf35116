import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.ts";
import { expectNotPrinted } from "../support/secrets.ts";
import {
  CLUSTER,
  type DaemonWorld,
  makeRegistered,
  REGION,
  startDaemon,
  startDaemonWorld,
  stopUnit,
} from "./harness.ts";

let world: DaemonWorld;
beforeAll(async () => {
  world = await startDaemonWorld();
});
afterAll(async () => {
  await world.stop();
});
beforeEach(() => {
  makeRegistered(world.host, new Date());
});

const hostFlags = () => [
  "--cluster",
  CLUSTER,
  "--root",
  world.host.root,
  "--ecs-agent-url",
  world.host.introspectionUrl,
];
const host = { system: { uid: () => 0 } };

describe("status", () => {
  it("probes once when no daemon answers: exit 0 and READY on a healthy host, nothing repaired", async () => {
    const run = await cli(["status", ...hostFlags(), "--listen", "127.0.0.1:9"], world.env, { host });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^OK +ecs-agent/m);
    expect(run.stdout).toMatch(
      new RegExp(`READY: registered in ${CLUSTER}, 12/12 checks passing \\(probed now`),
    );
  });

  it("exit 1 with the failing checks (JSON), and never repairs what it sees", async () => {
    stopUnit(world.host, "docker");
    const tuneDaemon = vi.fn();
    const run = await cli(["status", ...hostFlags(), "--no-daemon", "--output", "json"], world.env, {
      host,
      tuneDaemon,
    });
    expect(run.code).toBe(1);
    // Probing once is no daemon: the process keeps V8's defaults (src/daemon/runtime.ts is the daemon's alone).
    expect(tuneDaemon).not.toHaveBeenCalled();
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({ ok: false, ready: false, source: "probed now", cluster: CLUSTER });
    expect(document.checks.find((c: { name: string }) => c.name === "docker-unit")).toMatchObject({
      status: "failed",
      message: "docker is not active",
    });
    expect(document.repairs).toEqual([]);
    expect(world.host.unitState("docker").active).toBe(false);
    // The report is the output: no log line repeats it on stderr.
    expect(run.stderr).toBe("");
  });

  it("reads the running daemon's report (with its token), and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "status-token-"));
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "status-token-secret\n", { mode: 0o600 });
    const config = `region: ${REGION}\ncluster: ${CLUSTER}\nhealth:\n  repair: false\n  tokenFile: ${tokenFile}\n`;
    const configFile = join(dir, "config.yaml");
    writeFileSync(configFile, config);
    const daemon = await startDaemon(world, config);
    try {
      const env = { ...world.env, ECS_ANYWHERE_CONFIG: configFile };
      // The daemon's cached report: its pass count, not a new pass.
      const calls = world.host.systemctlCalls().length;
      const run = await cli(
        ["status", ...hostFlags(), "--listen", daemon.url.slice(7), "--output", "json"],
        env,
        {
          host,
        },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, source: "daemon", passes: 1 });
      expect(world.host.systemctlCalls().slice(calls)).toEqual([]);
      expectNotPrinted([{ name: "status", result: run }], ["status-token-secret"]);
    } finally {
      daemon.stop();
      await daemon.exit;
    }
  });

  it("refuses a bad --listen with exit 2", async () => {
    const run = await cli(["status", ...hostFlags(), "--listen", "nowhere"], world.env, { host });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--listen: "nowhere" is not HOST:PORT/);
  });
});
