import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();

describe("--aws-timeout", () => {
  it("abandons an attempt that gets no answer in time and retries it", async () => {
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "latency", latencyMs: 1_500, times: 1 });
    const run = await cli(["setup", "--dry-run", "--aws-timeout", "1s"], ctx.env);
    expect(run.code, run.stderr).toBe(0);
    const asked = ctx.emu.calls().filter((call) => call.action === "GetCallerIdentity");
    expect(asked.map((call) => call.delayedMs)).toEqual([1_500, undefined]);
  });

  it("names the call, the endpoint, the timeout and the attempts when no attempt is answered", async () => {
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "latency", latencyMs: 1_500, times: 5 });
    const run = await cli(["setup", "--aws-timeout", "1s", "--max-attempts", "2"], ctx.env);
    expect(run.code).toBe(1);
    const endpoint = new URL(ctx.emu.url).host;
    expect(run.stderr).toBe(
      `error: sts:GetCallerIdentity: no answer from ${endpoint} within 1s; gave up after 2 attempts\n` +
        `  fix: check the network and any proxy on the way to ${endpoint}; raise --aws-timeout if AWS answers that slowly there; then re-run\n`,
    );
  });

  it("must be a duration: bad input, before any call", async () => {
    const run = await cli(["setup", "--aws-timeout", "soon"], ctx.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \(input\): --aws-timeout: "soon" is not a duration/);
    expect(ctx.emu.calls()).toEqual([]);
  });
});
