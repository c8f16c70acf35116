import { describe, expect, it } from "vitest";
import { createAwsPorts } from "../../src/adapters/aws/clients.ts";
import type { SsmPort } from "../../src/adapters/aws/ports.ts";
import { BATCH_CONCURRENCY, BatchError, createActivations } from "../../src/cloud/activation.ts";
import { configSchema } from "../../src/config/schema.ts";
import { AwsCallError } from "../../src/errors.ts";
import { Redactor } from "../../src/util/redact.ts";
import { startEmulator } from "../emulator/index.ts";
import { cli, emulatorEnv } from "../support/cli.ts";
import { fakeClock } from "../support/clock.ts";

const config = configSchema.parse({ cluster: "edge" });
const request = {
  roleName: config.instanceRole.name,
  region: "eu-west-1",
  settings: { ...config.activation, registrationLimit: 7 },
  tags: {},
};

/** An SSM port whose CreateActivation answers after a tick, counting the calls in flight. */
function slowSsm(fail?: (n: number) => Error | undefined) {
  let calls = 0;
  let inFlight = 0;
  let most = 0;
  const ssm = {
    async createActivation() {
      const n = ++calls;
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      const error = fail?.(n);
      if (error) throw error;
      return {
        activationId: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
        activationCode: `code-${n}`.padEnd(20, "x"),
      };
    },
  } as unknown as SsmPort;
  return { ssm, calls: () => calls, most: () => most };
}

describe("createActivations (one single-use activation per host)", () => {
  it("creates the first alone, then at most BATCH_CONCURRENCY at once; each single-use, handed over by number", async () => {
    const port = slowSsm();
    const seen: number[] = [];
    const created = await createActivations(
      port.ssm,
      request,
      40,
      fakeClock(),
      new Redactor(),
      {},
      {
        onCreated: (activation, n) => {
          seen.push(n);
          expect(activation.registrationLimit).toBe(1);
        },
      },
    );
    expect(created).toHaveLength(40);
    // The n-th answer is activation number n.
    expect(created.map((a) => a.activationId.slice(-2))).toEqual(
      Array.from({ length: 40 }, (_, i) => String(i + 1).padStart(2, "0")),
    );
    expect(seen[0]).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(port.most()).toBe(BATCH_CONCURRENCY);
  });

  it("stops at the first failure: no new calls, the ones in flight finish, the error says how many were made", async () => {
    const denied = new AwsCallError(
      { service: "ssm", action: "CreateActivation" },
      "AccessDeniedException",
      "access denied",
    );
    let callsWhenFailed = 0;
    const port = slowSsm((n) => {
      if (n !== 5) return undefined;
      callsWhenFailed = port.calls();
      return denied;
    });
    const handed: number[] = [];
    const error = await createActivations(
      port.ssm,
      request,
      100,
      fakeClock(),
      new Redactor(),
      {},
      {
        onCreated: (_, n) => {
          handed.push(n);
        },
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchError);
    expect((error as BatchError).cause).toBe(denied);
    expect((error as BatchError).created).toBe(handed.length);
    // Nothing started after call 5 failed; every other call in flight finished and was handed over.
    expect(callsWhenFailed).toBeGreaterThan(5);
    expect(port.calls()).toBe(callsWhenFailed);
    expect(handed.length).toBe(port.calls() - 1);
  });

  it("a first failure starts nothing else", async () => {
    const port = slowSsm(() => new Error("no"));
    await expect(
      createActivations(port.ssm, request, 100, fakeClock(), new Redactor()),
    ).rejects.toMatchObject({
      created: 0,
    });
    expect(port.calls()).toBe(1);
  });

  it("waits out IAM propagation with the first call only (field notes §8.1), asking every 2 s at most, then creates the rest", async () => {
    const clock = fakeClock();
    const emu = await startEmulator({
      now: () => clock.now(),
      propagationDelayMs: 20_000,
      clusters: [{ name: "edge", region: "eu-west-1" }],
    });
    try {
      const env = emulatorEnv(emu.url);
      const setup = await cli(["setup", "--cluster", "edge"], env, { clock });
      expect(setup.code).toBe(0);
      const roleMadeAt = Date.parse(
        Object.values(emu.state.roles).find((role) => role.roleName === "ECSAnywhereRole")?.createDate ?? "",
      );
      emu.clearCalls();
      const aws = await createAwsPorts({ region: "eu-west-1", env, redactor: new Redactor() });
      const firstAt: number[] = [];
      const created = await createActivations(
        aws.ssm,
        request,
        30,
        clock,
        new Redactor(),
        {},
        {
          onCreated: (_, n) => {
            if (n === 1) firstAt.push(clock.now().getTime());
          },
        },
      );
      expect(created).toHaveLength(30);
      const calls = emu.calls();
      const refused = calls.filter((call) => call.errorCode === "ValidationException");
      // 20 s of asking, 0.5 to 2 s apart: all before the first activation, none in parallel.
      expect(refused.length).toBeGreaterThanOrEqual(10);
      expect(refused.length).toBeLessThanOrEqual(22);
      expect(calls.slice(0, refused.length)).toEqual(refused);
      expect(calls.slice(refused.length).every((call) => call.status === 200)).toBe(true);
      // The first activation came at most 2 s after the role propagated (not a doubling backoff's 15 s).
      const late = (firstAt[0] as number) - (roleMadeAt + 20_000);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(2000);
      expect(Object.values(emu.state.activations).every((a) => a.registrationLimit === 1)).toBe(true);
    } finally {
      await emu.stop();
    }
  });
});
