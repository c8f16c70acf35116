import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator } from "../../emulator/types.ts";
import { emulatorEnv } from "../../support/cli.ts";
import { fakeClock } from "../../support/clock.ts";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.stop());

describe("SDK retries", () => {
  it("are logged at debug with the operation, the error code and attempt n of m", async () => {
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const log = {
      debug: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
    };
    const aws = await createAwsPorts({
      region: "eu-west-1",
      env: emulatorEnv(emu.url),
      redactor: new Redactor(),
      maxAttempts: 3,
      log,
    });
    emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 1 });
    emu.inject({ action: "GetCallerIdentity", kind: "server-error", times: 1 });
    await aws.sts.getCallerIdentity();
    expect(logged.map((line) => line.message)).toEqual([
      "retrying sts:GetCallerIdentity after Throttling (attempt 2 of 3)",
      "retrying sts:GetCallerIdentity after InternalFailure (attempt 3 of 3)",
    ]);
    expect(logged[0]?.fields).toEqual({
      operation: "sts:GetCallerIdentity",
      code: "Throttling",
      attempt: 2,
      maxAttempts: 3,
    });
    // A call that succeeds at once logs nothing.
    await aws.sts.getCallerIdentity();
    expect(logged).toHaveLength(2);
  });

  it("say so on the progress sink once the call has been at it for 2 s: attempt n of m, the wait, the elapsed time", async () => {
    // A clock that moves 1 s at every read: attempt 1 starts at 0 s, fails at 1 s, attempt 2 starts at 2 s...
    let reads = 0;
    const clock = { now: () => new Date(Date.UTC(2026, 11, 1) + 1000 * reads++), sleep: async () => {} };
    const lines: string[] = [];
    const aws = await createAwsPorts({
      region: "eu-west-1",
      env: emulatorEnv(emu.url),
      redactor: new Redactor(),
      maxAttempts: 3,
      progress: { clock, sink: (line) => lines.push(line) },
    });
    emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 2 });
    await aws.sts.getCallerIdentity();
    expect(lines).toEqual([
      "[aws] retrying sts:GetCallerIdentity after Throttling: attempt 2 of 3, after waiting 1s (elapsed 2s)",
      "[aws] retrying sts:GetCallerIdentity after Throttling: attempt 3 of 3, after waiting 1s (elapsed 4s)",
    ]);
  });

  it("stay quiet on the progress sink while a call is younger than 2 s", async () => {
    const clock = { now: () => new Date(Date.UTC(2026, 11, 1)), sleep: async () => {} };
    const lines: string[] = [];
    const aws = await createAwsPorts({
      region: "eu-west-1",
      env: emulatorEnv(emu.url),
      redactor: new Redactor(),
      maxAttempts: 3,
      progress: { clock, sink: (line) => lines.push(line) },
    });
    emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 2 });
    await aws.sts.getCallerIdentity();
    expect(lines).toEqual([]);
  });

  it("say while a slow call runs that it is still waiting, on the clock's timer, and stop when it answers", async () => {
    const clock = fakeClock();
    const lines: string[] = [];
    let timerSet: () => void = () => {};
    const armed = new Promise<void>((resolve) => {
      timerSet = resolve;
    });
    const every = clock.every?.bind(clock);
    clock.every = (ms, fn) => {
      timerSet();
      return every?.(ms, fn) ?? (() => {});
    };
    const aws = await createAwsPorts({
      region: "eu-west-1",
      env: emulatorEnv(emu.url),
      redactor: new Redactor(),
      maxAttempts: 3,
      progress: { clock, sink: (line) => lines.push(line) },
    });
    emu.inject({ action: "GetCallerIdentity", kind: "latency", times: 1, latencyMs: 300 });
    const call = aws.sts.getCallerIdentity();
    await armed;
    clock.advance(4_500);
    await call;
    expect(lines).toEqual([
      "[aws] waiting for sts:GetCallerIdentity (attempt 1 of 3, elapsed 2s)",
      "[aws] waiting for sts:GetCallerIdentity (attempt 1 of 3, elapsed 4s)",
    ]);
    clock.advance(10_000); // the call answered: its timer is gone
    expect(lines).toHaveLength(2);
  });
});
