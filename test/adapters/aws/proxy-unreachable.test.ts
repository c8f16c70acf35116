// The agent's own AWS calls through a proxy that refuses the connection (field notes §10.7): the error names the
// proxy by host and port, never its credentials, and the endpoint the call was for.
import { describe, expect, it } from "vitest";
import { createAwsPorts } from "../../../src/adapters/aws/clients.ts";
import { AwsCallError } from "../../../src/errors.ts";
import { Redactor } from "../../../src/util/redact.ts";
import { emulatorEnv } from "../../support/cli.ts";
import { refusingPort } from "../../support/refusing-port.ts";

const PASSWORD = "pr0xy-pa55word";

describe("an AWS call through a proxy that refuses the connection", () => {
  it("names the proxy (host:port only) and the endpoint, and says what to check", async () => {
    const port = await refusingPort();
    const proxy = `http://alice:${PASSWORD}@127.0.0.1:${port}`;
    // Never reached: the proxy refuses before any tunnel to it exists.
    const endpoint = "http://sts.test.invalid:8443";
    const aws = await createAwsPorts({
      region: "eu-west-1",
      env: emulatorEnv(endpoint),
      redactor: new Redactor(),
      maxAttempts: 1,
      proxy: { http: proxy, https: proxy, noProxy: [] },
    });

    const error = await aws.sts.getCallerIdentity().then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(AwsCallError);
    const { message, remediation } = error as AwsCallError;
    expect(message).toBe(
      `sts:GetCallerIdentity: cannot reach the proxy 127.0.0.1:${port} for sts.test.invalid:8443: connection refused (ECONNREFUSED); gave up after 1 attempt`,
    );
    expect(remediation).toContain(`check that the proxy 127.0.0.1:${port} runs`);
    expect(`${message} ${remediation}`).not.toContain(PASSWORD);
    expect(`${message} ${remediation}`).not.toContain("alice");
  });
});
