import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { useEmulator } from "../support/emulator.ts";

const ctx = useEmulator();

describe("AWS errors", () => {
  it("AccessDenied becomes one line naming the action and resource, and a fix line with the permission to grant", async () => {
    ctx.emu.deny("iam:CreateRole");
    const run = await cli(["setup"], ctx.env);
    expect(run.code).toBe(1);
    // After the step table (what the run did before it stopped), the error and its fix.
    expect(run.stderr).toMatch(/^FAIL instance-role: access denied: iam:CreateRole /);
    expect(run.stderr.slice(run.stderr.indexOf("\nerror: ") + 1)).toBe(
      "error: access denied: iam:CreateRole on arn:aws:iam::123456789012:role/ECSAnywhereRole\n" +
        "  fix: grant iam:CreateRole on arn:aws:iam::123456789012:role/ECSAnywhereRole to the identity running the agent, then re-run\n",
    );
    const json = await cli(["setup", "--output", "json"], ctx.env);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      message: "access denied: iam:CreateRole on arn:aws:iam::123456789012:role/ECSAnywhereRole",
      remediation:
        "grant iam:CreateRole on arn:aws:iam::123456789012:role/ECSAnywhereRole to the identity running the agent, then re-run",
    });
  });

  it("AccessDenied on an ECS or SSM call names that service's action", async () => {
    ctx.emu.deny("ssm:CreateActivation");
    const run = await cli(["activation", "create"], ctx.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: access denied: ssm:CreateActivation");
    ctx.emu.deny("ecs:CreateCluster");
    const setup = await cli(["setup"], ctx.env);
    // The resource as AWS names it: the full ARN.
    expect(setup.stderr).toContain(
      "access denied: ecs:CreateCluster on arn:aws:ecs:eu-west-1:123456789012:cluster/default\n",
    );
  });

  it("AccessDenied on a permission AWS checks for the call names that permission, not the call's", async () => {
    ctx.emu.deny("iam:PassRole");
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
    const run = await cli(["activation", "create"], ctx.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "error: access denied: ssm:CreateActivation needs iam:PassRole on arn:aws:iam::123456789012:role/ECSAnywhereRole\n" +
        "  fix: grant iam:PassRole on arn:aws:iam::123456789012:role/ECSAnywhereRole to the identity running the agent, then re-run\n",
    );
  });

  it("throttling is retried by the SDK and the run succeeds", async () => {
    ctx.emu.inject({ action: "GetRole", kind: "throttle", times: 2 });
    ctx.emu.inject({ action: "CreateCluster", kind: "server-error", times: 1 });
    const run = await cli(["setup"], ctx.env);
    expect(run.code).toBe(0);
    const getRoles = ctx.emu.calls().filter((c) => c.action === "GetRole");
    expect(getRoles.filter((c) => c.errorCode === "Throttling")).toHaveLength(2);
    expect(
      ctx.emu.mutatingCalls().filter((c) => c.action === "CreateCluster" && c.status === 200),
    ).toHaveLength(1);
  });

  it("a call that keeps retrying says so on stderr (text) or as an info log line (JSON)", async () => {
    // A clock that moves 1 s at every read stands in for a slow backoff.
    const ticking = () => {
      let reads = 0;
      return { now: () => new Date(Date.UTC(2026, 11, 1) + 1000 * reads++), sleep: async () => {} };
    };
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 2 });
    const text = await cli(["setup", "--dry-run"], ctx.env, { clock: ticking() });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /^\[aws\] retrying sts:GetCallerIdentity after Throttling: attempt 2 of \d+, after waiting \d+s \(elapsed \d+s\)$/m,
    );
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 2 });
    const json = await cli(["setup", "--dry-run", "--output", "json", "--log-level", "info"], ctx.env, {
      clock: ticking(),
    });
    expect(json.code).toBe(0);
    JSON.parse(json.stdout);
    expect(json.stderr).toMatch(/"msg":"progress"/);
    expect(json.stderr).toMatch(/retrying sts:GetCallerIdentity after Throttling: attempt 2/);
  });

  it("a reset connection is retried", async () => {
    ctx.emu.inject({ action: "DescribeClusters", kind: "reset", times: 1 });
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
  });

  it("throttling that outlasts the retries fails with one clear line", async () => {
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 10 });
    const run = await cli(["setup", "--max-attempts", "2"], ctx.env);
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")[0]).toBe(
      "error: sts:GetCallerIdentity was throttled by AWS and the retries ran out",
    );
    expect(ctx.emu.calls().filter((c) => c.action === "GetCallerIdentity")).toHaveLength(2);
  });

  it("a per-service rate limit is absorbed by retries", async () => {
    ctx.emu.rateLimit("iam", 5, 3);
    expect((await cli(["setup"], ctx.env)).code).toBe(0);
  });

  it("rejected credentials are reported with the fix", async () => {
    const run = await cli(["setup"], {
      ...ctx.env,
      AWS_SECRET_ACCESS_KEY: "wrong-secret-key-0000000000000000",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("AWS rejected the credentials (SignatureDoesNotMatch)");
    expect(run.stderr).not.toContain("wrong-secret-key-0000000000000000");
  });
});

describe("AWS out of reach", () => {
  /** A loopback port nothing listens on (a server's, closed again). */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it("connection refused names the endpoint, the attempts made and what to check", async () => {
    const port = await closedPort();
    const run = await cli(["setup", "--max-attempts", "2", "--output", "json"], {
      ...ctx.env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toEqual({
      kind: "operation",
      message: `sts:GetCallerIdentity: could not reach 127.0.0.1:${port}: connection refused (ECONNREFUSED); gave up after 2 attempts`,
      remediation: `check the network, DNS and proxy settings (HTTPS_PROXY, NO_PROXY) on the way to 127.0.0.1:${port}, and AWS_ENDPOINT_URL if it is set; then re-run`,
    });
  });

  it("a TLS failure says so and names the endpoint", async () => {
    // Plain HTTP where TLS was expected: the handshake fails.
    const server = createServer((_req, res) => res.end("not tls"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const run = await cli(["setup", "--max-attempts", "1"], {
        ...ctx.env,
        AWS_ENDPOINT_URL: `https://127.0.0.1:${port}`,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: sts:GetCallerIdentity: could not reach 127\\.0\\.0\\.1:${port}: TLS handshake failed \\(\\w+\\); gave up after 1 attempt\n  fix: check the system clock`,
        ),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a 5xx that outlasts the retries says how many attempts were made", async () => {
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "server-error", times: 10 });
    const run = await cli(["setup", "--max-attempts", "3"], ctx.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: sts:GetCallerIdentity on \* failed after 3 attempts: AWS answered HTTP 5\d\d /,
    );
    expect(run.stderr).toMatch(/\n {2}fix: AWS had a problem on its side/);
    expect(ctx.emu.calls().filter((c) => c.action === "GetCallerIdentity")).toHaveLength(3);
  });
});

describe("missing credentials", () => {
  it("say so in one line with the fix, without touching the network beyond the emulator", async () => {
    const run = await cli(["setup"], { AWS_ENDPOINT_URL: ctx.emu.url, ECS_ANYWHERE_REGION: "eu-west-1" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: sts:GetCallerIdentity: no AWS credentials found");
    expect(run.stderr).toContain("fix: set AWS_PROFILE");
    expect(ctx.emu.calls()).toEqual([]);
  });
});

describe("failures in --output json", () => {
  it("still print exactly one JSON document on stdout", async () => {
    ctx.emu.inject({ action: "GetCallerIdentity", kind: "throttle", times: 5 });
    const run = await cli(["setup", "--output", "json", "--max-attempts", "1"], ctx.env);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      error: {
        kind: "operation",
        message: "sts:GetCallerIdentity was throttled by AWS and the retries ran out",
        remediation: "wait a minute and re-run; raise --max-attempts if this keeps happening",
      },
    });
  });
});
