import { describe, expect, it } from "vitest";
import type { RunCommand, RunResult } from "../../../src/adapters/host/exec.ts";
import { createSystemd, parseShow, SystemdError } from "../../../src/adapters/host/systemd.ts";
import { ssmUnit } from "../../../src/components/ssm-agent/registration.ts";
import { PROBED_UNITS, passUnits } from "../../../src/daemon/pass-units.ts";
import { OperationError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";

type Answer = Partial<RunResult>;

/** A systemctl stand-in: answers by argument line, records every call. */
function fakeSystemctl(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const run: RunCommand = async (cmd, args) => {
    const line = args.join(" ");
    calls.push(`${cmd} ${line}`);
    const answer = answers[line] ?? {};
    return {
      command: `${cmd} ${line}`,
      exitCode: 0,
      stdout: "",
      stderr: "",
      timedOut: false,
      durationMs: 1,
      ...answer,
    };
  };
  return { calls, systemd: createSystemd({ run, redactor: new Redactor() }) };
}

describe("Systemd", () => {
  it("reads is-active and is-enabled from systemctl's exit code", async () => {
    const { systemd } = fakeSystemctl({ "is-active --quiet ecs": { exitCode: 3 } });
    expect(await systemd.isActive("ecs")).toBe(false);
    expect(await systemd.isEnabled("ecs")).toBe(true);
  });

  it("treats stopping an inactive unit as a no-op success that never calls systemctl stop", async () => {
    const { systemd, calls } = fakeSystemctl({ "is-active --quiet ecs": { exitCode: 3 } });
    await systemd.stop("ecs");
    expect(calls).toEqual(["systemctl is-active --quiet ecs"]);
  });

  it("stops an active unit", async () => {
    const { systemd, calls } = fakeSystemctl({});
    await systemd.stop("ecs");
    expect(calls).toEqual(["systemctl is-active --quiet ecs", "systemctl stop ecs"]);
  });

  it("says what it was doing when systemctl fails: restarting ecs: <stderr>", async () => {
    const { systemd } = fakeSystemctl({
      "restart ecs": { exitCode: 5, stderr: "Failed to restart ecs.service: Unit ecs.service not found.\n" },
    });
    const error = await systemd.restart("ecs").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SystemdError);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as SystemdError).message).toBe(
      "restarting ecs: Failed to restart ecs.service: Unit ecs.service not found.",
    );
    expect((error as SystemdError).remediation).toBe(
      "see `systemctl status ecs` and `journalctl -xe` for details",
    );
  });

  it("reports a timeout and a silent failure with what was being done", async () => {
    const { systemd } = fakeSystemctl({
      "start ecs": { exitCode: 143, timedOut: true },
      "restart ecs": { exitCode: 1 },
    });
    await expect(systemd.start("ecs")).rejects.toThrow("starting ecs: systemctl timed out");
    await expect(systemd.restart("ecs")).rejects.toThrow("restarting ecs: systemctl exited with 1");
  });

  it("enables and starts through systemctl", async () => {
    const { systemd, calls } = fakeSystemctl({});
    await systemd.enable("ecs");
    await systemd.start("ecs");
    expect(calls).toEqual(["systemctl enable ecs", "systemctl start ecs"]);
  });

  it("disables through systemctl and says so when it cannot", async () => {
    const { systemd, calls } = fakeSystemctl({ "disable amazon-ssm-agent": { exitCode: 1 } });
    await systemd.disable("ecs");
    await expect(systemd.disable("amazon-ssm-agent")).rejects.toThrow(
      "disabling amazon-ssm-agent: systemctl exited with 1",
    );
    expect(calls).toEqual(["systemctl disable ecs", "systemctl disable amazon-ssm-agent"]);
  });

  it("says a unit is loaded only when systemd reports LoadState=loaded", async () => {
    const query = "show --property=LoadState snap.amazon-ssm-agent.amazon-ssm-agent.service";
    const snap = fakeSystemctl({ [query]: { stdout: "LoadState=loaded\n" } });
    expect(await snap.systemd.isLoaded("snap.amazon-ssm-agent.amazon-ssm-agent")).toBe(true);
    const deb = fakeSystemctl({ [query]: { stdout: "LoadState=not-found\n" } });
    expect(await deb.systemd.isLoaded("snap.amazon-ssm-agent.amazon-ssm-agent")).toBe(false);
  });

  it("the SSM agent component picks the snap unit when systemd knows it, else amazon-ssm-agent", async () => {
    const query = "show --property=LoadState snap.amazon-ssm-agent.amazon-ssm-agent.service";
    const snap = fakeSystemctl({ [query]: { stdout: "LoadState=loaded\n" } });
    expect(await ssmUnit(snap.systemd)).toBe("snap.amazon-ssm-agent.amazon-ssm-agent");
    const deb = fakeSystemctl({ [query]: { stdout: "LoadState=not-found\n" } });
    expect(await ssmUnit(deb.systemd)).toBe("amazon-ssm-agent");
  });
});

// What systemd 252 prints for `systemctl show --property=LoadState,ActiveState ecs.service amazon-ssm-agent.service
// snap.amazon-ssm-agent.amazon-ssm-agent.service docker.service` on a deb host with ecs stopped.
const SHOW_FOUR = [
  "LoadState=loaded\nActiveState=inactive",
  "LoadState=loaded\nActiveState=active",
  "LoadState=not-found\nActiveState=inactive",
  "LoadState=loaded\nActiveState=reloading",
].join("\n\n");
const SHOW_QUERY = `show --property=LoadState,ActiveState ${PROBED_UNITS.map((u) => `${u}.service`).join(" ")}`;

describe("several units in one systemctl show", () => {
  it("maps one block per unit, in the order asked; reloading counts as active (is-active's rule)", () => {
    const states = parseShow(`${SHOW_FOUR}\n`, PROBED_UNITS);
    expect(states && Object.fromEntries(states)).toEqual({
      ecs: { loaded: true, active: false, activeState: "inactive" },
      "amazon-ssm-agent": { loaded: true, active: true, activeState: "active" },
      "snap.amazon-ssm-agent.amazon-ssm-agent": { loaded: false, active: false, activeState: "inactive" },
      docker: { loaded: true, active: true, activeState: "reloading" },
    });
  });

  it.each([
    ["a block missing", "LoadState=loaded\nActiveState=active\n\nLoadState=loaded\nActiveState=active"],
    ["no ActiveState in a block", SHOW_FOUR.replace("ActiveState=reloading", "SubState=running")],
    ["nothing", ""],
  ])("refuses an answer with %s", (_, stdout) => {
    expect(parseShow(stdout, PROBED_UNITS)).toBeUndefined();
  });

  it("states() asks once and fails with what it was doing when systemctl fails or answers oddly", async () => {
    const good = fakeSystemctl({ [SHOW_QUERY]: { stdout: SHOW_FOUR } });
    expect((await good.systemd.states(PROBED_UNITS)).get("docker")?.active).toBe(true);
    expect(good.calls).toEqual([`systemctl ${SHOW_QUERY}`]);
    const odd = fakeSystemctl({ [SHOW_QUERY]: { stdout: "LoadState=loaded\n" } });
    await expect(odd.systemd.states(PROBED_UNITS)).rejects.toThrow(
      /^reading the state of ecs .*not one block per unit/,
    );
    const failing = fakeSystemctl({ [SHOW_QUERY]: { exitCode: 1, stderr: "Failed to connect to bus\n" } });
    await expect(failing.systemd.states(PROBED_UNITS)).rejects.toThrow(": Failed to connect to bus");
  });

  it("a pass's view answers every unit question from that one call", async () => {
    const { systemd, calls } = fakeSystemctl({ [SHOW_QUERY]: { stdout: SHOW_FOUR } });
    const view = passUnits(systemd);
    expect(await view.isActive("ecs")).toBe(false);
    expect(await ssmUnit(view)).toBe("amazon-ssm-agent");
    expect(await view.isActive("amazon-ssm-agent")).toBe(true);
    expect(await view.isActive("docker")).toBe(true);
    expect(calls).toEqual([`systemctl ${SHOW_QUERY}`]);
  });

  it("falls back to one systemctl call per question when the batched one fails", async () => {
    const { systemd, calls } = fakeSystemctl({
      [SHOW_QUERY]: { exitCode: 1 },
      "is-active --quiet ecs": { exitCode: 3 },
    });
    const view = passUnits(systemd);
    expect(await view.isActive("ecs")).toBe(false);
    expect(await view.isActive("docker")).toBe(true);
    expect(calls).toEqual([
      `systemctl ${SHOW_QUERY}`,
      "systemctl is-active --quiet ecs",
      "systemctl is-active --quiet docker",
    ]);
  });
});
