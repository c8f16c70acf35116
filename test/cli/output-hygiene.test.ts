import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HostFixture } from "../checks/host-fixture.ts";
import { cli } from "../support/cli.ts";

const ESC = "\u001b[2J";
const CR = "\r";
// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none are left (newlines and tabs may stay)
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const QUIET = { ECS_ANYWHERE_CONFIG: "/dev/null", ECS_ANYWHERE_REGION: "eu-west-1" };

describe("no raw control character reaches the terminal", () => {
  it("a flag value with ESC and CR is shown escaped in the error line", async () => {
    const run = await cli(["activation", "create", "--expires-in", `1${ESC}h${CR}`], QUIET);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error (input): --expires-in: "1\\u001b[2Jh\\r" is not a duration (e.g. 30m, 1h, 7d)\n',
    );
  });

  it("an unknown command with ESC and CR, in text and in the JSON document", async () => {
    const text = await cli([`bo${ESC}gus${CR}`], {});
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("unknown command 'bo\\u001b[2Jgus\\r'");
    expect(text.stderr).not.toMatch(RAW_CONTROL);
    const json = await cli(["--output", "json", `bo${ESC}gus${CR}`], {});
    expect(json.stdout + json.stderr).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout).error.message).toBe(`unknown command 'bo${ESC}gus${CR}'`);
  });

  describe("an introspection answer", () => {
    let host: HostFixture;
    beforeEach(async () => {
      host = await new HostFixture().start();
    });
    afterEach(() => host.stop());

    it("a cluster name read from ecs.config (a file) is shown with its ESC and CR escaped", async () => {
      await host.write("/var/lib/ecs/data/agent.db", "bbolt");
      await host.write("/etc/ecs/ecs.config", `ECS_CLUSTER=st${ESC}ag${CR}ing\n`);
      const run = await host.check({}, "text");
      expect(run.stdout).toContain("registered to cluster st\\u001b[2Jag\\ring");
      expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
    });

    it("names the agent's cluster with its ESC and CR escaped", async () => {
      await host.write("/var/lib/ecs/data/agent.db", "bbolt");
      host.agentUrl = await host.serve((_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            Cluster: `stag${ESC}ing${CR}`,
            ContainerInstanceArn: "arn:aws:ecs:eu-west-1:123456789012:container-instance/staging/0123",
            Version: `Amazon ECS Agent - v1.2.3${ESC}`,
          }),
        );
      });
      const run = await host.check({}, "text");
      expect(run.stdout).toContain("registered to cluster stag\\u001b[2Jing\\r");
      expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
    });
  });
});

describe("no stack trace at the default log level", () => {
  const failing = { createAws: async () => Promise.reject(new TypeError("a bug in the agent")) };

  it("an unexpected failure is one error line; its stack only at --log-level debug", async () => {
    const run = await cli(["setup"], QUIET, failing);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("error: a bug in the agent\n");
    const printed = {
      createAws: async () => Promise.reject(new Error(`wrapped: ${String(new Error("inner").stack)}`)),
    };
    expect((await cli(["setup"], QUIET, printed)).stderr).toBe("error: wrapped: Error: inner\n");
    const debug = await cli(["setup", "--log-level", "debug"], QUIET, failing);
    expect(debug.stderr).toMatch(/"stack":"TypeError: a bug in the agent\\n\s+at /);
  });
});
