import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunCommand, RunOptions } from "../../src/adapters/host/exec.ts";
import { Redactor } from "../../src/util/redact.ts";
import { createFakeHost, type FakeHost } from "../fixtures/host.ts";
import { inProcessTools } from "../fixtures/in-process-tools.ts";

let host: FakeHost;
beforeAll(async () => {
  // Nothing here registers, so no emulator answers on this port.
  host = await createFakeHost({ emulatorUrl: "http://127.0.0.1:9" });
  host.installUnit("docker");
});
afterAll(() => host.cleanup());

const options = (redactor = new Redactor()): RunOptions => ({
  timeoutMs: 5_000,
  redactor,
  env: { FAKE_ROOT: host.root },
});
const refuse: RunCommand = async (cmd) => {
  throw new Error(`unexpected fallback for ${cmd}`);
};

describe("the node fakes run in-process", () => {
  it("answer as the bash clients of bin/ do, on the same fake world", async () => {
    const run = inProcessTools(refuse);
    const calls = [
      ["is-active", "--quiet", "docker"],
      ["is-active", "docker.service"],
      ["show", "--property=LoadState", "docker.service"],
      ["show", "--property=LoadState", "nothere.service"],
      ["frobnicate", "docker"],
    ];
    for (const args of calls) {
      const inside = await run("/usr/bin/systemctl", args, options());
      const outside = await host.run("systemctl", args);
      expect({ exitCode: inside.exitCode, stdout: inside.stdout, stderr: inside.stderr }).toEqual({
        exitCode: outside.code,
        stdout: outside.stdout,
        stderr: outside.stderr,
      });
    }
    // A change made in-process is what the bash client sees next.
    expect((await run("systemctl", ["start", "docker"], options())).exitCode).toBe(0);
    expect(await host.run("systemctl", ["is-active", "docker"])).toMatchObject({
      code: 0,
      stdout: "active\n",
    });
    expect(host.systemctlCalls().filter((call) => call === "start docker")).toEqual(["start docker"]);
    expect(run.fallbacks()).toBe(0);
  });

  it("hands every other command to the fallback, counted", async () => {
    const seen: string[] = [];
    const fallback: RunCommand = async (cmd, args) => {
      seen.push([cmd, ...args].join(" "));
      return { command: cmd, exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 0 };
    };
    const run = inProcessTools(fallback);
    await run("systemctl", ["is-active", "docker"], options());
    await run("/usr/bin/docker", ["info"], options());
    await run("toString", [], options());
    expect(seen).toEqual(["/usr/bin/docker info", "toString"]);
    expect(run.fallbacks()).toBe(2);
  });

  it("scrubs the command line and the output, and streams the lines", async () => {
    const redactor = new Redactor();
    redactor.add("secret-unit-0001");
    const lines: string[] = [];
    const result = await inProcessTools(refuse)("systemctl", ["start", "secret-unit-0001"], {
      ...options(redactor),
      onLine: (stream, line) => lines.push(`${stream}: ${line}`),
    });
    expect(result.exitCode).toBe(5);
    expect(result.command).toBe("systemctl start ****");
    expect(result.stderr).toBe("Failed to start ****.service: Unit ****.service not found.\n");
    expect(lines).toEqual(["stderr: Failed to start ****.service: Unit ****.service not found."]);
  });
});
