import { describe, expect, it } from "vitest";
import { DEFAULT_LISTEN, parseListen } from "../../src/daemon/listen.ts";
import { UsageError } from "../../src/errors.ts";

/** The UsageError parseListen throws for `text` (fails when it throws nothing or something else). */
function refusal(text: string, what = "--listen", allowNonLoopback = false): UsageError {
  try {
    parseListen(text, what, allowNonLoopback);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`parseListen accepted ${JSON.stringify(text)}`);
}

describe("parseListen", () => {
  it("reads the documented default as loopback on the fixed port", () => {
    expect(parseListen(DEFAULT_LISTEN, "--listen", false)).toEqual({ host: "127.0.0.1", port: 9745 });
  });

  it.each([
    ["127.0.0.1:80", "127.0.0.1", 80],
    ["127.8.9.10:65535", "127.8.9.10", 65535],
    ["localhost:9745", "127.0.0.1", 9745],
    [" 127.0.0.1:1 ", "127.0.0.1", 1],
    // Any free port: the daemon logs the one it got.
    ["127.0.0.1:0", "127.0.0.1", 0],
    ["[::1]:9745", "::1", 9745],
    ["[0:0:0:0:0:0:0:1]:9745", "0:0:0:0:0:0:0:1", 9745],
  ])("reads %j as a loopback address", (text, host, port) => {
    expect(parseListen(text, "--listen", false)).toEqual({ host, port });
  });

  it.each([
    ["", "is not HOST:PORT"],
    ["9745", "is not HOST:PORT"],
    ["127.0.0.1", "is not HOST:PORT"],
    ["127.0.0.1:", "is not HOST:PORT"],
    [":9745", "is not HOST:PORT"],
    ["127.0.0.1:80x", "is not HOST:PORT"],
    ["127.0.0.1:-1", "is not HOST:PORT"],
    ["127.0.0.1:123456", "is not HOST:PORT"],
    ["http://127.0.0.1:9745", "is not HOST:PORT"],
    ["127.0.0.1:9745/metrics", "is not HOST:PORT"],
    ["::1:9745", "is not HOST:PORT"],
    ["[::1]", "is not HOST:PORT"],
    ["127.0.0.1:65536", "port 65536 is not from 0 to 65535"],
    ["256.0.0.1:80", '"256.0.0.1" is not an IPv4 address'],
    ["example.com:80", '"example.com" is not an IPv4 address, localhost, or an IPv6 address in brackets'],
    ["[127.0.0.1]:80", '"127.0.0.1" is not an IPv6 address'],
    ["[::g]:80", '"::g" is not an IPv6 address'],
  ])("refuses %j, naming the flag", (text, says) => {
    const error = refusal(text);
    expect(error.message).toMatch(/^--listen: /);
    expect(error.message).toContain(says);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain("\n");
  });

  it("quotes what it refuses with control characters escaped", () => {
    expect(refusal("a\nb:1").message).toBe(
      '--listen: "a\\nb" is not an IPv4 address, localhost, or an IPv6 address in brackets',
    );
    expect(refusal("\u001b[2J").message).toBe(
      '--listen: "\\u001b[2J" is not HOST:PORT, e.g. 127.0.0.1:9745 or [::1]:9745',
    );
  });

  it.each([
    ["0.0.0.0:9745", "0.0.0.0"],
    ["10.0.0.5:9745", "10.0.0.5"],
    ["[::]:9745", "::"],
    ["[fe80::1%eth0]:9745", "fe80::1%eth0"],
    ["[::ffff:127.0.0.1]:9745", "::ffff:127.0.0.1"],
  ])("refuses the non-loopback %j unless allowed explicitly", (text, host) => {
    const error = refusal(text, "health.listen");
    expect(error.message).toBe(
      `health.listen: ${host} is not a loopback address (/livez and /readyz answer without a token)`,
    );
    expect(error.remediation).toContain("127.0.0.1");
    expect(parseListen(text, "health.listen", true)).toEqual({ host, port: 9745 });
  });

  it("still checks a non-loopback address that is allowed", () => {
    expect(refusal("0.0.0.0:70000", "--listen", true).message).toContain("port 70000");
    expect(refusal("300.0.0.1:80", "--listen", true).message).toContain("is not an IPv4 address");
  });
});
