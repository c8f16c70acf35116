/**
 * The shipped ecs-anywhere-agent.service running the real daemon (the built bundle) under the real systemd,
 * booted as PID 1 of private namespaces (test/support/systemd-pid1.ts, field notes §7), with a fake host behind
 * it: `daemon --root ROOT` over a registered fake host whose ECS agent answers from this process, AWS played by
 * the emulator and systemctl by the fake (test/fixtures/README.md). systemd's watchdog runs on real time: a
 * stalled daemon is killed WatchdogSec after its last ping, which it sends while its probe loop makes progress
 * (ProbeLoop.stallMs, about 10 s with this config), so the watchdog test waits that long.
 *
 * ROOT lives in a folder under /run of this machine that the sandbox binds at the same path: the fake tools run
 * in this process and act on the paths the daemon names. Not /tmp: PrivateTmp= hides it (field notes §8.9).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecsConfigText, makeRegistered } from "../daemon/harness.ts";
import { startEmulator } from "../emulator/index.ts";
import type { Emulator } from "../emulator/types.ts";
import { createFakeHost, type FakeHost } from "../fixtures/host.ts";
import { type HeldProxy, startHeldProxy } from "../support/held-proxy.ts";
import { type BootedSystemd, bootSystemd, canBootSystemd } from "../support/systemd-pid1.ts";

const UNIT = "ecs-anywhere-agent.service";
const UNIT_FILE = "systemd/ecs-anywhere-agent.service";
/** The copy of the shipped unit that runs the hardening probe (same text, another name). */
const PROBE_UNIT = "ecs-anywhere-agent-probe.service";
/** A unit the probe restarts through systemctl, as the daemon's repairs do. */
const RESTARTED_UNIT = "restart-target.service";
/** The drop-in that sets the daemon's failpoint for the watchdog test. */
const STALL_DROP_IN = `/run/systemd/system/${UNIT}.d/stall.conf`;
/**
 * What the services run, copied into the folder the sandbox shows at the same path: the checkout itself may sit
 * under /tmp (a CI clone), which the sandbox and PrivateTmp= hide.
 */
function copyIntoSandbox(base: string) {
  const app = join(base, "app");
  cpSync(resolve("dist"), join(app, "dist"), { recursive: true });
  cpSync(resolve("test/fixtures/bin"), join(app, "fixtures", "bin"), { recursive: true });
  cpSync(resolve("test/fixtures/lib"), join(app, "fixtures", "lib"), { recursive: true });
  cpSync(resolve("test/fixtures/systemd/hardening-probe.mjs"), join(app, "hardening-probe.mjs"));
  return {
    bundle: join(app, "dist", "ecs-anywhere-agent.mjs"),
    fixturesBin: join(app, "fixtures", "bin"),
    hardeningProbe: join(app, "hardening-probe.mjs"),
  };
}
/** WatchdogSec= of the test drop-in, in seconds (the shipped 30 s would make the test slow). */
const WATCHDOG_SEC = 2;
/** The daemon's config: short cadence and timeouts, so that a pass, a repair and a stall take seconds. */
const CONFIG = [
  "region: eu-west-1",
  "cluster: edge",
  "health:",
  "  interval: 1s",
  "  probeTimeout: 1s",
  "  repairTimeout: 2s",
  "",
].join("\n");
/** The daemon's STATUS= for a registered host whose checks all pass. */
const HEALTHY_STATUS = /^registered in edge, (\d+)\/\1 checks passing$/;

/** `Environment=` lines; systemd would expand `%` specifiers, and the quoting here knows no newlines. */
function environment(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (/[%\n\r"\\]/.test(value)) throw new Error(`unusable value for Environment=${name}`);
    return `Environment="${name}=${value}"`;
  });
}

/**
 * The units a test runs: the shipped unit file unchanged, under `name`, plus a drop-in with what the sandbox
 * test changes, and nothing that relaxes the hardening beyond the share and the folders in `writable`.
 */
function agentUnits(
  name: string,
  options: { execStart: string; share: string; writable: readonly string[]; service?: readonly string[] },
): Record<string, string> {
  return {
    [name]: readFileSync(UNIT_FILE, "utf8"),
    [`${name}.d/test.conf`]: [
      "[Unit]",
      "# No sysinit/basic.target: the sandbox boots nothing else (field notes §7.7).",
      "DefaultDependencies=no",
      "[Service]",
      "ExecStart=",
      `ExecStart=${options.execStart}`,
      `ReadWritePaths=${[options.share, ...options.writable].join(" ")}`,
      "# One line per stop of the main process: how it ended.",
      `ExecStopPost=/bin/sh -c 'echo "$$SERVICE_RESULT $$EXIT_CODE $$EXIT_STATUS" >> ${options.share}/${name}.stops'`,
      ...(options.service ?? []),
      "",
    ].join("\n"),
  };
}

interface JournalLine {
  pid: string;
  text: string;
  /** The fields of a JSON line (every line the daemon logs is one). */
  fields?: Record<string, unknown>;
}

const sandbox = canBootSystemd();
// CI installs the tools (.ci/run), so there a missing one fails; only a machine that cannot give the
// namespaces (no root, no cgroup2, a container without the privileges) skips.
const skipReason =
  !sandbox.ok && (sandbox.kind === "cannot-sandbox" || !process.env.CI) ? sandbox.reason : undefined;

describe.skipIf(skipReason !== undefined)(
  `the shipped agent unit under the real systemd${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let sd: BootedSystemd;
    let emulator: Emulator;
    let host: FakeHost;
    let gate: HeldProxy;
    /** The test's folder on this machine and, at the same path, in the sandbox. */
    let base: string;
    /** The config in, results out (the stops of the agent unit, the hardening probe's report). */
    let share: string;

    beforeAll(async () => {
      base = mkdtempSync("/run/ecs-anywhere-systemd-");
      share = join(base, "share");
      mkdirSync(share);
      emulator = await startEmulator();
      host = await createFakeHost({ emulatorUrl: emulator.url, parentDir: base });
      makeRegistered(host, new Date());
      // What StateDirectory= makes on a host: the lock of the repairs lives there.
      mkdirSync(host.path("/var/lib/ecs-anywhere-agent"), { mode: 0o700 });
      gate = await startHeldProxy(host.introspectionUrl);
      const copied = copyIntoSandbox(base);
      const configFile = join(share, "config.yaml");
      writeFileSync(configFile, CONFIG);
      sd = await bootSystemd({
        units: {
          ...agentUnits(UNIT, {
            execStart: `${process.execPath} ${copied.bundle} daemon --root ${host.root} --listen 127.0.0.1:0 --ecs-agent-url ${gate.url}`,
            share,
            // The fake host's counterparts of what the shipped unit makes writable on a host: ReadWritePaths=-/etc/ecs
            // and StateDirectory= (the repairs' lock).
            writable: [host.path("/etc/ecs"), host.path("/var/lib/ecs-anywhere-agent")],
            service: [
              `WatchdogSec=${WATCHDOG_SEC}s`,
              "RestartSec=200ms",
              "# SIGKILL, not the default SIGABRT: no core dump of the deliberate kill reaches the machine's handler.",
              "WatchdogSignal=SIGKILL",
              "# The fakes first on PATH (systemctl), then node and systemd-notify.",
              ...environment({
                ...host.env,
                PATH: [copied.fixturesBin, dirname(process.execPath), "/usr/sbin:/usr/bin:/sbin:/bin"].join(
                  ":",
                ),
                ECS_ANYWHERE_CONFIG: configFile,
                // The clock-skew probe reads the Date of the emulator, never of AWS.
                AWS_ENDPOINT_URL: emulator.url,
              }),
            ],
          }),
          ...agentUnits(PROBE_UNIT, {
            execStart: `${process.execPath} ${copied.hardeningProbe} ${share} ${RESTARTED_UNIT}`,
            share,
            writable: [],
          }),
          [RESTARTED_UNIT]: "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n",
        },
        binds: [{ source: base, target: base }],
      });
    });

    afterAll(async () => {
      await sd?.stop();
      await gate?.stop();
      await host?.cleanup();
      await emulator?.stop();
      if (base) rmSync(base, { recursive: true, force: true });
    });

    /** The lines the drop-in's ExecStopPost wrote so far for the agent unit. */
    const stops = () =>
      readFileSync(join(share, `${UNIT}.stops`), { encoding: "utf8", flag: "a+" })
        .split("\n")
        .filter(Boolean);

    /**
     * What the agent unit's processes wrote (the daemon logs JSON lines on stderr, into the journal), oldest
     * first: each line's text, the pid that wrote it and, for a JSON line, its fields.
     */
    const journal = async (): Promise<JournalLine[]> => {
      const read = await sd.exec(["journalctl", "--no-pager", "--output=json", `--unit=${UNIT}`]);
      return read.stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as { _PID?: string; MESSAGE?: unknown })
        .filter((entry) => entry._PID !== "1") // systemd's own lines about the unit
        .map((entry) => {
          const text = String(entry.MESSAGE);
          let fields: Record<string, unknown> | undefined;
          try {
            fields = JSON.parse(text) as Record<string, unknown>;
          } catch {
            fields = undefined;
          }
          return { pid: entry._PID ?? "", text, ...(fields === undefined ? {} : { fields }) };
        });
    };
    /** The end of the journal, for assertion messages: a failure in CI shows what the daemon said. */
    const journalTail = async () =>
      `journal of ${UNIT}:\n${(await journal())
        .slice(-25)
        .map((line) => `[${line.pid}] ${line.text}`)
        .join("\n")}`;
    /** The `msg` of each JSON line a process wrote. */
    const said = (lines: JournalLine[], pid?: string) =>
      lines.filter((line) => pid === undefined || line.pid === pid).map((line) => line.fields?.msg);
    /** `sd.waitFor` for the agent unit, with the journal's end in the error. */
    const waitForAgent = async (
      wanted: Parameters<BootedSystemd["waitFor"]>[1],
      timeoutMs: number,
    ): Promise<Record<string, string>> => {
      try {
        return await sd.waitFor(UNIT, wanted, timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${await journalTail()}`);
      }
    };
    /** Polls `check` every 100 ms until it holds; fails with `what` and the journal's end after `timeoutMs`. */
    const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${await journalTail()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it("stays activating through the first probe pass, then is active with the daemon's status line", async () => {
      const started = await sd.systemctl(["start", "--no-block", UNIT]);
      expect(started.stderr).toBe("");
      // The first pass waits on the held introspection request, and READY=1 comes only after that pass.
      let timer: NodeJS.Timeout | undefined;
      const asked = await Promise.race([
        gate.firstRequest.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), 15_000);
        }),
      ]);
      clearTimeout(timer);
      if (!asked) throw new Error(`the daemon never asked the ECS agent\n${await journalTail()}`);
      const during = await sd.show(UNIT, ["ActiveState", "SubState", "StatusText"]);
      expect(during, await journalTail()).toEqual({
        ActiveState: "activating",
        SubState: "start",
        StatusText: "",
      });

      gate.open();
      const ready = await waitForAgent(
        { ActiveState: "active", SubState: "running", StatusText: (text) => HEALTHY_STATUS.test(text) },
        15_000,
      );
      expect(ready.StatusText).toMatch(HEALTHY_STATUS);
      await eventually(
        "the daemon logged that it serves",
        async () => said(await journal()).includes("serving"),
        5_000,
      );
      // Nothing but its JSON lines: no warning of Node's in the journal.
      expect((await journal()).filter((line) => line.fields === undefined)).toEqual([]);
    });

    it("repairs a drifted ecs.config under the unit's hardening: rewrites it and restarts ecs through systemctl", async () => {
      const before = await sd.show(UNIT, ["MainPID"]);
      const restartsOfEcs = () => host.systemctlCalls().filter((call) => call === "restart ecs").length;
      const restartsBefore = restartsOfEcs();
      const drifted = ecsConfigText().replace("ECS_LOGLEVEL=info", "ECS_LOGLEVEL=debug");
      expect(drifted).not.toBe(ecsConfigText());
      host.writeFile("/etc/ecs/ecs.config", drifted, 0o600);

      const repaired = async () =>
        (await journal()).find(
          (line) => line.fields?.msg === "repaired" && line.fields.action === "rewrite-ecs-config",
        )?.fields;
      await eventually(
        "the daemon rewrote ecs.config and logged it",
        async () =>
          host.readFile("/etc/ecs/ecs.config") === ecsConfigText() && (await repaired()) !== undefined,
        15_000,
      );
      expect(await repaired()).toMatchObject({
        result: "ok",
        message: "rewrote /etc/ecs/ecs.config and restarted ecs",
      });
      // A value ecs-init hands the agent changed, so the repair restarted ecs (field notes §3.1, §9.4): a child
      // process of the daemon under the hardening.
      expect(restartsOfEcs()).toBe(restartsBefore + 1);
      // Still the same process, and healthy again.
      await waitForAgent(
        {
          ActiveState: "active",
          MainPID: before.MainPID as string,
          StatusText: (text) => HEALTHY_STATUS.test(text),
        },
        10_000,
      );
    });

    it("gets killed by the watchdog when its probe loop stalls (Result=watchdog), and restarted", async () => {
      writeFileSync(
        sd.path(STALL_DROP_IN),
        "[Service]\nEnvironment=ECS_ANYWHERE_FAILPOINTS=probe-loop-stall\n",
      );
      expect((await sd.systemctl(["daemon-reload"])).code).toBe(0);
      try {
        // Type=notify: returns once the new instance sent READY=1 (its first pass done; then the loop stalls).
        const restarted = await sd.systemctl(["restart", UNIT]);
        expect(restarted.stderr, await journalTail()).toBe("");
        const stalled = await sd.show(UNIT, ["ActiveState", "MainPID", "NRestarts", "WatchdogUSec"]);
        expect(stalled).toMatchObject({
          ActiveState: "active",
          NRestarts: "0",
          WatchdogUSec: `${WATCHDOG_SEC}s`,
        });
        const stopsBefore = stops().length;

        // The daemon pings for as long as the loop could still be making progress, then stops: systemd kills
        // it WatchdogSec later and starts it again.
        const after = await waitForAgent(
          {
            NRestarts: (restarts) => Number(restarts) >= 1,
            ActiveState: "active",
            MainPID: (pid) => pid !== "0" && pid !== stalled.MainPID,
          },
          40_000,
        );
        expect(after.MainPID).not.toBe(stalled.MainPID);
        expect(stops().slice(stopsBefore), await journalTail()).toEqual(["watchdog killed KILL"]);
        expect(sd.consoleLog()).toMatch(/ecs-anywhere-agent\.service: Watchdog timeout/);
        // The stalled instance said why it stopped pinging.
        expect(said(await journal(), stalled.MainPID)).toEqual(
          expect.arrayContaining([
            "failpoint: the probe loop stalls here",
            "the probe loop makes no progress: watchdog not pinged",
          ]),
        );
      } finally {
        // The instance running now keeps the failpoint; the next start goes without.
        rmSync(sd.path(STALL_DROP_IN));
        expect((await sd.systemctl(["daemon-reload"])).code).toBe(0);
      }
    });

    it("stops on SIGTERM with Result=success, before TimeoutStopSec runs out", async () => {
      const { MainPID } = await sd.show(UNIT, ["MainPID"]);
      const stopped = await sd.systemctl(["stop", UNIT]);
      expect(stopped, await journalTail()).toEqual({ code: 0, stdout: "", stderr: "" });
      const after = await sd.show(UNIT, ["ActiveState", "Result"]);
      // Had the stop run past TimeoutStopSec, systemd would have sent SIGKILL and said Result=timeout.
      expect(after, await journalTail()).toEqual({ ActiveState: "inactive", Result: "success" });
      expect(stops().at(-1)).toBe("success exited 0");
      // The daemon ended itself, and STOPPING=1 failed no louder than debug (field notes §9.1).
      await eventually(
        "the daemon logged that it stopped",
        async () => said(await journal(), MainPID).at(-1) === "stopped",
        5_000,
      );
      expect(said(await journal(), MainPID)).not.toContain("systemd notification failed");
    });

    it("keeps everything the daemon does working under the unit's hardening, and stops the rest", async () => {
      // What a registered host has: /etc/ecs, the SSM-vended credentials and docker's proxy drop-in folder
      // (written into the sandbox's in-memory root, not on this machine).
      const prepared = await sd.exec([
        "sh",
        "-c",
        "mkdir -p /etc/ecs /root/.aws /etc/systemd/system/docker.service.d && printf '[default]\\n' > /root/.aws/credentials",
      ]);
      expect(prepared.code).toBe(0);
      expect((await sd.systemctl(["start", RESTARTED_UNIT])).code).toBe(0);
      const target = await sd.show(RESTARTED_UNIT, ["MainPID"]);

      // Type=notify: start returns once the probe's systemd-notify child sent READY=1.
      const started = await sd.systemctl(["start", PROBE_UNIT]);
      expect(started.stderr).toBe("");
      expect(await sd.show(PROBE_UNIT, ["ActiveState", "StatusText"])).toEqual({
        ActiveState: "active",
        StatusText: "hardening probe done",
      });
      const results = JSON.parse(readFileSync(join(share, "hardening.json"), "utf8"));
      const ok = (name: string) => {
        expect(results[name], name).toMatchObject({ ok: true });
        return results[name].value;
      };
      const refused = (name: string, code: string) =>
        expect(results[name], name).toMatchObject({ ok: false, code });

      // The repairs: ecs.config rewritten by temp file and rename in /etc/ecs, a unit restarted by systemctl.
      expect(ok("ecs-config-rewrite")).toBe("ECS_CLUSTER=edge\n");
      expect(ok("systemctl-version")).toMatch(/^systemd \d+/);
      ok("systemctl-restart");
      expect(ok("systemctl-is-active")).toBe("active");
      const restarted = await sd.show(RESTARTED_UNIT, ["MainPID"]);
      expect(restarted.MainPID).not.toBe(target.MainPID);
      // The probes: root's credentials, the register lock's pid check (field notes §6.11), loopback HTTP, DNS.
      expect(ok("read-root-credentials")).toBe("[default]\n");
      expect(ok("read-pid1-stat")).toBe("(systemd)");
      expect(ok("read-boot-id")).toMatch(/^[0-9a-f-]{36}$/);
      ok("signal-0-pid1");
      expect(ok("http-loopback")).toBe("pong");
      expect(ok("dns-lookup-addrconfig")).toContain("127.0.0.1");
      // Its own folders, private (UMask=0077, mode 0700), and the code cache (NODE_COMPILE_CACHE) pointed at one.
      for (const dir of ["state-dir", "logs-dir", "cache-dir"]) {
        expect(ok(dir)).toEqual({ dirMode: "700", fileMode: "600" });
      }
      expect(ok("node-compile-cache")).toBe("/var/cache/ecs-anywhere-agent");
      expect(ok("private-tmp")).toBe("probe\n");
      expect(readFileSync(sd.path("/etc/ecs/ecs.config"), "utf8")).toBe("ECS_CLUSTER=edge\n");

      // Everything else is refused.
      refused("write-etc", "EROFS");
      refused("write-usr", "EROFS");
      refused("write-var-lib-ecs", "EROFS");
      refused("write-run-systemd", "EROFS");
      refused("write-etc-systemd-drop-in", "EROFS");
      refused("write-root-credentials", "EROFS");
      refused("write-kernel-tunable", "EROFS");
      refused("make-cgroup", "EROFS");
      // @resources is filtered, with EPERM instead of SIGSYS (lowering one's own priority needs no privilege).
      expect(results["lower-own-priority"]).toMatchObject({ ok: false });
      expect(results["lower-own-priority"].message).toContain("EPERM");
      expect(ok("status")).toEqual({
        CapEff: "0000000000000000",
        CapBnd: "0000000000000000",
        NoNewPrivs: "1",
        Seccomp: "2",
      });
      expect(ok("umask")).toBe("77");
      // PrivateDevices=: a /dev of its own, without the console the sandbox's /dev has.
      const devices = ok("devices") as string[];
      expect(devices).toContain("null");
      expect(devices).not.toContain("console");
      expect((await sd.exec(["ls", "/dev"])).stdout.split("\n")).toContain("console");
      // PrivateTmp=: its /tmp is not the sandbox's.
      expect(() => readFileSync(sd.path("/tmp/probe"))).toThrow(/ENOENT/);

      expect((await sd.systemctl(["stop", PROBE_UNIT])).code).toBe(0);
      expect(await sd.show(PROBE_UNIT, ["Result"])).toEqual({ Result: "success" });
    });
  },
);
