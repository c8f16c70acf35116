import { describe, expect, it } from "vitest";
import { prometheusUnavailable, startPrometheus } from "../prometheus.ts";

// Run only by no-leftover-processes.test.ts, in a vitest of its own whose TMPDIR is a folder that test watches:
// the Prometheus harness as the suites use it, a forgetful test included.

const unavailable = prometheusUnavailable();

describe("the Prometheus harness", () => {
  it("starts a server and stops it", async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const prometheus = await startPrometheus({ targets: ["127.0.0.1:9"] });
    expect(await prometheus.query("vector(1)")).toHaveLength(1);
    await prometheus.stop();
    await expect(prometheus.query("vector(1)")).rejects.toThrow(/has exited/);
  });

  it("starts a server and forgets to stop it", async ({ skip }) => {
    skip(unavailable !== undefined, unavailable);
    const prometheus = await startPrometheus({ targets: ["127.0.0.1:9"] });
    expect(prometheus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
