import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closedPortUrl, HostFixture } from "./host-fixture.ts";

let host: HostFixture;
beforeEach(async () => {
  host = await new HostFixture().start();
});
afterEach(() => host.stop());

const ONLY = { skip: ["endpoints", "gpg", "docker", "existing-registration"] };

describe("the clock-skew check", () => {
  it("passes when the SSM endpoint's Date header matches the host clock", async () => {
    const run = await host.check(ONLY);
    expect(run.result("clock-skew")).toMatchObject({
      id: "clock-skew",
      status: "ok",
      summary: "clock agrees with AWS",
    });
  });

  it("warns when the host is 45 s ahead of AWS", async () => {
    host.awsClockOffsetMs = -45_000;
    const run = await host.check(ONLY, "text");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^WARN clock-skew: 45s ahead of AWS\n {2}fix: synchronise the clock with NTP/m,
    );
  });

  it("fails when the host is more than 5 minutes behind AWS", async () => {
    host.awsClockOffsetMs = 6 * 60_000 + 5_000;
    const run = await host.check(ONLY);
    expect(run.code).toBe(1);
    expect(run.result("clock-skew")).toMatchObject({
      status: "failed",
      summary: expect.stringMatching(/^6m5s behind AWS/),
    });
  });

  it("passes at exactly 30 s and warns just past it", async () => {
    host.awsClockOffsetMs = 30_000;
    expect((await host.check(ONLY)).result("clock-skew").status).toBe("ok");
    host.awsClockOffsetMs = 31_000;
    expect((await host.check(ONLY)).result("clock-skew").status).toBe("warn");
  });

  it("asks the SSM endpoint named by AWS_ENDPOINT_URL_SSM before AWS_ENDPOINT_URL", async () => {
    host.env.AWS_ENDPOINT_URL_SSM = await host.serve((_req, res) => {
      res.setHeader("Date", new Date(host.clock.now().getTime() + 120_000).toUTCString());
      res.end();
    });
    const run = await host.check(ONLY);
    expect(run.result("clock-skew").summary).toBe("2m behind AWS");
  });

  it("warns, naming the endpoint, when the time cannot be read", async () => {
    host.env.AWS_ENDPOINT_URL_SSM = await closedPortUrl();
    const result = (await host.check(ONLY)).result("clock-skew");
    expect(result.status).toBe("warn");
    expect(result.summary).toMatch(/could not read the time from http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});
