/**
 * The shipped ecs-anywhere-agent.service under the real systemd, booted as PID 1 of private namespaces
 * (test/support/systemd-pid1.ts, field notes §7). systemd's watchdog runs on real time: a stalled service is
 * killed WatchdogSec after its last ping, so these tests wait for seconds (the drop-in shortens it to 2 s).
 *
 * The service runs a stand-in for the daemon (test/fixtures/systemd/notify-daemon.sh) that speaks the same
 * protocol. To run the real daemon instead, change `standIn` only: its ExecStart becomes
 * `node dist/ecs-anywhere-agent.mjs daemon --root R --listen 127.0.0.1:P --ecs-agent-url U` (R under SHARE, which
 * the drop-in makes writable), `release` makes it ready (its first probe pass completes) and `stall` sets the
 * probe-loop-stall failpoint.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BootedSystemd, bootSystemd, canBootSystemd } from "../support/systemd-pid1.ts";

const UNIT = "ecs-anywhere-agent.service";
const UNIT_FILE = "systemd/ecs-anywhere-agent.service";
/** The copy of the shipped unit that runs the hardening probe (same text, another name). */
const PROBE_UNIT = "ecs-anywhere-agent-probe.service";
/** A unit the probe restarts through systemctl, as the daemon's repairs do. */
const RESTARTED_UNIT = "restart-target.service";
/** The test's folder as the services see it: outside /tmp (PrivateTmp= hides that, field notes §8.9). */
const SHARE = "/run/ecs-anywhere-test";
/** WatchdogSec= of the lifecycle drop-in, in seconds (the shipped 30 s would make the test slow). */
const WATCHDOG_SEC = 2;

/** The daemon under test, as ExecStart and the two file triggers the lifecycle needs (see the header). */
const standIn = {
  execStart: `/bin/bash ${resolve("test/fixtures/systemd/notify-daemon.sh")} ${SHARE}`,
  /** Lets it send READY=1. */
  release: (hostShare: string) => writeFileSync(join(hostShare, "release"), ""),
  /** Stops its watchdog pings while it stays alive. */
  stall: (hostShare: string) => writeFileSync(join(hostShare, "stall"), ""),
};

/**
 * The units a test runs: the shipped unit file unchanged, under `name`, plus a drop-in with what the sandbox
 * test changes, and nothing that relaxes the hardening.
 */
function agentUnits(
  name: string,
  execStart: string,
  service: readonly string[] = [],
): Record<string, string> {
  return {
    [name]: readFileSync(UNIT_FILE, "utf8"),
    [`${name}.d/test.conf`]: [
      "[Unit]",
      "# No sysinit/basic.target: the sandbox boots nothing else (field notes §7.7).",
      "DefaultDependencies=no",
      "[Service]",
      "ExecStart=",
      `ExecStart=${execStart}`,
      "# The test's folder: triggers in, results out.",
      `ReadWritePaths=${SHARE}`,
      "# One line per stop of the main process: how it ended.",
      `ExecStopPost=/bin/sh -c 'echo "$$SERVICE_RESULT $$EXIT_CODE $$EXIT_STATUS" >> ${SHARE}/${name}.stops'`,
      ...service,
      "",
    ].join("\n"),
  };
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
    let hostShare: string;

    beforeAll(async () => {
      hostShare = mkdtempSync(join(tmpdir(), "ecs-anywhere-systemd-"));
      sd = await bootSystemd({
        units: {
          ...agentUnits(UNIT, standIn.execStart, [
            `WatchdogSec=${WATCHDOG_SEC}s`,
            "RestartSec=200ms",
            "# SIGKILL, not the default SIGABRT: no core dump of the deliberate kill reaches the machine's handler.",
            "WatchdogSignal=SIGKILL",
          ]),
          ...agentUnits(
            PROBE_UNIT,
            `${process.execPath} ${resolve("test/fixtures/systemd/hardening-probe.mjs")} ${SHARE} ${RESTARTED_UNIT}`,
          ),
          [RESTARTED_UNIT]: "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n",
        },
        binds: [{ source: hostShare, target: SHARE }],
      });
    });

    afterAll(async () => {
      await sd?.stop();
      if (hostShare) rmSync(hostShare, { recursive: true, force: true });
    });

    /** The lines the drop-in's ExecStopPost wrote so far for the agent unit. */
    const stops = () =>
      readFileSync(join(hostShare, `${UNIT}.stops`), { encoding: "utf8", flag: "a+" })
        .split("\n")
        .filter(Boolean);

    it("stays activating until READY=1, then is active with the STATUS= text", async () => {
      const started = await sd.systemctl(["start", "--no-block", UNIT]);
      expect(started.stderr).toBe("");
      const waiting = await sd.waitFor(
        UNIT,
        { ActiveState: "activating", StatusText: (text) => text.startsWith("waiting for") },
        10_000,
      );
      expect(waiting.ActiveState).toBe("activating");
      standIn.release(hostShare);
      const ready = await sd.waitFor(
        UNIT,
        {
          ActiveState: "active",
          SubState: "running",
          StatusText: (text) => text.startsWith("probing: pass"),
        },
        10_000,
      );
      expect(ready.StatusText).toMatch(/^probing: pass \d+$/);
      // The pings arrive: the pass count in STATUS= moves on while the unit stays active.
      await sd.waitFor(
        UNIT,
        { StatusText: (text) => text !== ready.StatusText, ActiveState: "active" },
        10_000,
      );
    });

    it("kills a service whose watchdog pings stop, with Result=watchdog, and restarts it", async () => {
      const before = await sd.show(UNIT, ["MainPID", "NRestarts", "WatchdogUSec"]);
      expect(before.NRestarts).toBe("0");
      expect(before.WatchdogUSec).toBe(`${WATCHDOG_SEC}s`);
      standIn.stall(hostShare);
      const after = await sd.waitFor(
        UNIT,
        {
          NRestarts: "1",
          ActiveState: "active",
          MainPID: (pid) => pid !== "0" && pid !== before.MainPID,
        },
        15_000 + WATCHDOG_SEC * 1000,
      );
      expect(after.MainPID).not.toBe(before.MainPID);
      expect(stops()).toEqual(["watchdog killed KILL"]);
      expect(sd.consoleLog()).toMatch(/ecs-anywhere-agent\.service: Watchdog timeout/);
    });

    it("stops on SIGTERM with Result=success, before TimeoutStopSec runs out", async () => {
      const stopped = await sd.systemctl(["stop", UNIT]);
      expect(stopped).toEqual({ code: 0, stdout: "", stderr: "" });
      const after = await sd.show(UNIT, ["ActiveState", "Result"]);
      // Had the stop run past TimeoutStopSec, systemd would have sent SIGKILL and said Result=timeout.
      expect(after).toEqual({ ActiveState: "inactive", Result: "success" });
      expect(stops().at(-1)).toBe("success exited 0");
    });

    it("keeps everything the daemon does working under the unit's hardening, and stops the rest", async () => {
      // What a registered host has: /etc/ecs and the SSM-vended credentials (written into the sandbox's
      // in-memory root, not on this machine).
      const prepared = await sd.exec([
        "sh",
        "-c",
        "mkdir -p /etc/ecs /root/.aws && printf '[default]\\n' > /root/.aws/credentials",
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
      const results = JSON.parse(readFileSync(join(hostShare, "hardening.json"), "utf8"));
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
      // Its own folders, private (UMask=0077, mode 0700), and Node's compile cache pointed at one.
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
